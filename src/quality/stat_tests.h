/*
 * stat_tests.h - the statistical tests and distances of the drift checks: chi-square
 * (goodness of fit, independence), two-sample Kolmogorov-Smirnov, the z-test for two
 * proportions, the Population Stability Index, the Jensen-Shannon distance and the
 * Wasserstein-1 distance. Definitions as in SciPy (and, for PSI, Evidently's empty-bin
 * rule), checked against its values in tests/unit/test_quality.c.
 *
 * Samples are arrays of doubles sorted ascending (no NaN): the caller sorts once and
 * reuses them for several measures.
 */
#ifndef PP_STAT_TESTS_H
#define PP_STAT_TESTS_H

#include "core/common.h"

struct stat_result {
	double statistic;
	double p_value; /* NAN for a distance */
	double df;      /* chi-square's degrees of freedom, else 0 */
};

/* Observed against expected counts over k categories (k >= 2; an expected count of 0
 * with an observed one is an error). Expected counts are rescaled to the observed total. */
int chi2_gof(const double *observed, const double *expected, size_t k, struct stat_result *r);
/* A rows x cols contingency table (row-major); with yates, the continuity correction
 * when there is one degree of freedom (SciPy's default). Empty rows or columns are an error. */
int chi2_independence(const double *table, size_t rows, size_t cols, bool yates,
		      struct stat_result *r);
/* D = sup |F_a - F_b| and its two-sided p-value (special.h: ks2_sf). */
int ks2_test(const double *a, size_t m, const double *b, size_t n, struct stat_result *r);
/* Successes x1 of n1 against x2 of n2, pooled standard error; two-sided p. */
int z_test_2prop(double x1, double n1, double x2, double n2, struct stat_result *r);

#define PSI_EMPTY 0.0001 /* the share an empty bin counts as */
/* PSI of cur against ref over `bins` bins at ref's quantiles (repeated edges merged). */
int psi_quantile(const double *ref, size_t m, const double *cur, size_t n, size_t bins,
		 double *psi);
/* sqrt of the Jensen-Shannon divergence (natural log) of two histograms over the same k
 * categories, each normalised to sum 1. */
int js_distance(const double *p, const double *q, size_t k, double *dist);
/* The area between the two empirical distribution functions. */
int wasserstein1(const double *a, size_t m, const double *b, size_t n, double *dist);

#endif
