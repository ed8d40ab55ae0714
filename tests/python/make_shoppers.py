#!/usr/bin/python3
"""A synthetic file in the layout of the UCI Online Shoppers Purchasing Intention data
(its 18 columns and their kinds: counts, durations, rates, a month name, codes, a visitor
type, a weekend flag, the Revenue label as TRUE/FALSE), with Revenue depending on page
values and product time. Usage: make_shoppers.py ROWS SEED > shoppers.csv"""
import math
import random
import sys

rows, seed = int(sys.argv[1]), int(sys.argv[2])
rng = random.Random(seed)
months = ["Feb", "Mar", "May", "June", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
types = ["Returning_Visitor", "New_Visitor", "Other"]
print("Administrative,Administrative_Duration,Informational,Informational_Duration,ProductRelated,"
      "ProductRelated_Duration,BounceRates,ExitRates,PageValues,SpecialDay,Month,OperatingSystems,"
      "Browser,Region,TrafficType,VisitorType,Weekend,Revenue")
for _ in range(rows):
    adm = rng.randint(0, 10)
    prod = rng.randint(1, 80)
    prod_dur = prod * rng.uniform(5, 60)
    bounce = rng.uniform(0, 0.2)
    page = rng.expovariate(0.1) if rng.random() < 0.3 else 0.0
    month = rng.choice(months)
    vtype = rng.choice(types)
    z = -3 + 0.08 * page + 0.0004 * prod_dur - 8 * bounce + (0.5 if month == "Nov" else 0)
    revenue = rng.random() < 1 / (1 + math.exp(-z))
    info_dur = "" if rng.random() < 0.05 else "%.2f" % rng.uniform(0, 100)
    print("%d,%.2f,%d,%s,%d,%.2f,%.5f,%.5f,%.4f,%.1f,%s,%d,%d,%d,%d,%s,%s,%s" % (
        adm, adm * rng.uniform(10, 50), rng.randint(0, 3), info_dur, prod, prod_dur, bounce,
        bounce + rng.uniform(0, 0.05), page, rng.choice([0, 0, 0, 0.2, 0.8]), month,
        rng.randint(1, 8), rng.randint(1, 13), rng.randint(1, 9), rng.randint(1, 20), vtype,
        "TRUE" if rng.random() < 0.23 else "FALSE", "TRUE" if revenue else "FALSE"))
