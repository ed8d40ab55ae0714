#!/usr/bin/python3
"""Reference values for tests/unit/test_quality.c, computed with SciPy (Debian's
python3-scipy). Run from the repository root to rewrite reference.csv:

    /usr/bin/python3 tests/data/stats/make_reference.py > tests/data/stats/reference.csv

Each line: a function name, its arguments, the value SciPy gives (17 significant digits).
Samples for the two-sample tests come from a seeded generator and are written out too
(one line per sample, prefixed 'sample'), so the C test computes on the same numbers."""
import math
import sys

import numpy as np
from scipy import special, stats
from scipy.spatial import distance

out = sys.stdout


def row(*cells):
    out.write(",".join(c if isinstance(c, str) else repr(float(c)) for c in cells) + "\n")


for x in [-38, -20, -8.5, -5, -3, -1.96, -1, -0.5, -1e-3, 0, 1e-3, 0.5, 1, 1.644853626951,
          3, 5, 8.5, 20, 38]:
    row("normal_cdf", x, stats.norm.cdf(x))
    row("normal_sf", x, stats.norm.sf(x))

for a in [0.05, 0.5, 1, 2.5, 7, 10, 33.3, 100, 1000, 12345.5, 1e5]:
    for f in [1e-3, 0.1, 0.5, 0.9, 0.99, 1, 1.01, 1.1, 1.5, 2, 4]:
        x = a * f
        row("gamma_p", a, x, special.gammainc(a, x))
        row("gamma_q", a, x, special.gammaincc(a, x))
    for x in [0.01, 1, 3, 30]:
        row("gamma_p", a, x, special.gammainc(a, x))
        row("gamma_q", a, x, special.gammaincc(a, x))

for df in [1, 2, 3, 5, 9, 30, 99, 1000]:
    for x in [0.001, 0.5, 1, 3.84, 7.81, 11.07, df, 2 * df, 100, 300]:
        row("chi2_sf", x, df, stats.chi2.sf(x, df))

for x in [0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 0.9, 0.99, 1, 1.01, 1.2, 1.358, 1.5, 2, 2.5, 3, 4]:
    row("kolmogorov_sf", x, special.kolmogorov(x))

rng = np.random.default_rng(20261125)
samples = []


def sample(values):
    samples.append(values)
    out.write("sample," + ",".join(repr(float(v)) for v in values) + "\n")
    return len(samples) - 1


# two-sample KS, exact p-values (SciPy's 'exact' method), ties included
for m, n, shift in [(5, 7, 0.0), (20, 20, 0.5), (37, 50, 0.3), (100, 80, 0.0), (60, 200, 0.8),
                    (300, 250, 0.2), (40, 40, 2.0)]:
    a = rng.normal(0, 1, m)
    b = rng.normal(shift, 1, n)
    ia, ib = sample(a), sample(b)
    r = stats.ks_2samp(a, b, method="exact")
    row("ks2", str(ia), str(ib), r.statistic, r.pvalue)
a = rng.integers(0, 6, 50).astype(float)
b = rng.integers(1, 7, 60).astype(float)
ia, ib = sample(a), sample(b)
r = stats.ks_2samp(a, b, method="exact")
row("ks2", str(ia), str(ib), r.statistic, r.pvalue)

# Wasserstein-1 and the Jensen-Shannon distance
for ia, ib in [(0, 1), (2, 3), (10, 11), (14, 15)]:
    row("wasserstein", str(ia), str(ib), stats.wasserstein_distance(samples[ia], samples[ib]))
for p, q in [([1, 2, 3], [3, 2, 1]), ([10, 0, 5, 5], [8, 2, 5, 5]), ([1, 1], [1, 1]),
             ([0.9, 0.1], [0.1, 0.9]), ([5, 0], [0, 5])]:
    row("js_distance", " ".join(map(str, p)), " ".join(map(str, q)),
        distance.jensenshannon(np.array(p, float), np.array(q, float)))

# chi-square: goodness of fit and independence (with and without Yates' correction)
for obs, exp in [([16, 18, 16, 14, 12, 12], [16, 16, 16, 16, 16, 8]),
                 ([50, 30, 20], [40, 40, 20]), ([1000, 1100, 900], [1000, 1000, 1000])]:
    r = stats.chisquare(obs, exp)
    row("chi2_gof", " ".join(map(str, obs)), " ".join(map(str, exp)), r.statistic, r.pvalue)
for table in [[[10, 20], [30, 25]], [[12, 5, 9], [7, 14, 3], [3, 8, 19]], [[100, 200, 300, 400],
              [110, 190, 320, 380]]]:
    for corr in [True, False]:
        stat, p, dof, _ = stats.chi2_contingency(np.array(table), correction=corr)
        row("chi2_independence", ";".join(" ".join(map(str, r)) for r in table),
            "yates" if corr else "plain", stat, p, dof)

# z-test for two proportions (pooled), two-sided
for x1, n1, x2, n2 in [(45, 1000, 30, 1000), (120, 4000, 150, 4100), (3, 50, 9, 60),
                       (500, 10000, 500, 10000)]:
    p1, p2, pp = x1 / n1, x2 / n2, (x1 + x2) / (n1 + n2)
    z = (p1 - p2) / math.sqrt(pp * (1 - pp) * (1 / n1 + 1 / n2))
    row("z_test", x1, n1, x2, n2, z, 2 * stats.norm.sf(abs(z)))


# PSI over the reference's quantile bins (numpy's linear quantiles, repeated edges merged,
# intervals closed on the right, empty bins counted as 0.0001)
def psi(ref, cur, bins=10):
    edges = np.unique(np.quantile(ref, [k / bins for k in range(1, bins)]))
    rb = np.searchsorted(edges, ref, side="left")
    cb = np.searchsorted(edges, cur, side="left")
    k = len(edges) + 1
    rp = np.bincount(rb, minlength=k) / len(ref)
    cp = np.bincount(cb, minlength=k) / len(cur)
    rp[rp == 0] = 0.0001
    cp[cp == 0] = 0.0001
    return float(np.sum((cp - rp) * np.log(cp / rp)))


for ia, ib in [(0, 1), (8, 9), (10, 11), (14, 15)]:
    row("psi", str(ia), str(ib), psi(np.array(samples[ia]), np.array(samples[ib])))
