/*
 * special.h - the distribution functions behind the drift and quality tests' p-values:
 * the normal distribution, the regularised incomplete gamma functions (and with them the
 * chi-square distribution), the Kolmogorov distribution, and the exact distribution of
 * the two-sample Kolmogorov-Smirnov statistic.
 *
 * Checked against reference values computed with SciPy (tests/data/stats: the table and
 * the script that made it) to 1e-9 relative error or better; see docs/internals/quality.md.
 */
#ifndef PP_SPECIAL_H
#define PP_SPECIAL_H

#include <stddef.h>

/* Standard normal: P(Z <= x) and P(Z > x), each without cancellation in its tail. */
double normal_cdf(double x);
double normal_sf(double x);

/* Regularised incomplete gamma: P(a, x) = gamma(a, x) / Gamma(a), Q = 1 - P; a > 0, x >= 0.
 * NaN outside the domain. */
double gamma_p(double a, double x);
double gamma_q(double a, double x);

/* Chi-square with df degrees of freedom: P(X > x). */
double chi2_sf(double x, double df);

/* The Kolmogorov distribution (the limit of sqrt(n) D_n): P(K > x). */
double kolmogorov_sf(double x);

/* Two samples of sizes m and n from one continuous distribution: the exact P(D >= d) of
 * the two-sided statistic D = sup |F_m - F_n|, by the lattice-path recursion (time m * n). */
double ks2_exact_sf(double d, size_t m, size_t n);
/* The same for large samples: Kolmogorov's limit with Stephens' correction for the
 * effective size m n / (m + n). */
double ks2_asymptotic_sf(double d, size_t m, size_t n);
/* Exact while m * n <= KS2_EXACT_MAX (as SciPy's automatic choice, about), else the limit. */
#define KS2_EXACT_MAX 10000000.0
double ks2_sf(double d, size_t m, size_t n);

#endif
