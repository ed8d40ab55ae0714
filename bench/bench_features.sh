#!/bin/bash
# bench_features - the feature store's batch side on a simulated lake of RetailRocket's
# size (~2.75M events): the training set (prediction points per second; goal >= 2,000,000)
# and materializing every view into the online store (LMDB). The online lookups and the
# Redis figures are bench_online's.
. "$(dirname "$0")/lib.sh"
bench_start features
"$PP" simulate --visitors ${BENCH_VISITORS:-1250000} --json > sim.json
events=$(jq .events sim.json)
"$PP" etl --no-warehouse >/dev/null
"$PP" outliers >/dev/null

build=$(median3 "$PP" features build)
points=$("$PP" features build --json | jq .points)
mat=$(median3 "$PP" materialize)
rows=$("$PP" materialize --json | jq .rows)
awk -v e="$events" -v b="$build" -v p="$points" -v m="$mat" -v r="$rows" 'BEGIN {
	printf "%-40s %8.2f s  (%d points from %d events, %.0f points/s)\n", "features build (training set)", b, p, e, p / b
	printf "%-40s %8s    goal >= 2,000,000 points/s: %s\n", "", "", (p / b >= 2000000 ? "met" : "NOT MET")
	printf "%-40s %8.2f s  (%d rows, %.0f rows/s, replay included)\n", "materialize into LMDB", m, r, r / m
}'
