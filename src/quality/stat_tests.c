/* The tests and distances of the drift checks (stat_tests.h). */
#include "quality/stat_tests.h"
#include "core/err.h"
#include "core/mem.h"
#include "quality/special.h"

#include <math.h>

int chi2_gof(const double *observed, const double *expected, size_t k, struct stat_result *r)
{
	double so = 0, se = 0, stat = 0;

	if (k < 2)
		return pp_error(PP_EINVAL, "chi-square: needs at least 2 categories, got %zu", k);
	for (size_t i = 0; i < k; i++) {
		if (!(observed[i] >= 0) || !(expected[i] >= 0))
			return pp_error(PP_EINVAL, "chi-square: category %zu has a negative or missing count",
					i + 1);
		so += observed[i];
		se += expected[i];
	}
	if (!(se > 0))
		return pp_error(PP_EINVAL, "chi-square: the expected counts are all 0");
	for (size_t i = 0; i < k; i++) {
		double e = expected[i] * so / se, diff = observed[i] - e;
		if (e == 0) {
			if (observed[i] > 0)
				return pp_error(PP_EINVAL, "chi-square: category %zu is observed but never "
						"expected", i + 1);
			continue;
		}
		stat += diff * diff / e;
	}
	r->statistic = stat;
	r->df = (double)(k - 1);
	r->p_value = chi2_sf(stat, r->df);
	return 0;
}

int chi2_independence(const double *table, size_t rows, size_t cols, bool yates,
		      struct stat_result *r)
{
	double *rsum = pp_calloc(rows + cols + 1, sizeof(double)), *csum, total = 0, stat = 0;
	int rc = 0;

	if (!rsum)
		return PP_ENOMEM;
	csum = rsum + rows;
	if (rows < 2 || cols < 2) {
		rc = pp_error(PP_EINVAL, "chi-square: a %zu x %zu table has no degree of freedom", rows,
			      cols);
		goto out;
	}
	for (size_t i = 0; i < rows; i++)
		for (size_t j = 0; j < cols; j++) {
			double v = table[i * cols + j];
			if (!(v >= 0)) {
				rc = pp_error(PP_EINVAL, "chi-square: cell (%zu, %zu) is negative or missing",
					      i + 1, j + 1);
				goto out;
			}
			rsum[i] += v;
			csum[j] += v;
			total += v;
		}
	for (size_t i = 0; i < rows + cols; i++)
		if (rsum[i] == 0) {
			rc = pp_error(PP_EINVAL, "chi-square: %s %zu is empty", i < rows ? "row" : "column",
				      i < rows ? i + 1 : i - rows + 1);
			goto out;
		}
	r->df = (double)((rows - 1) * (cols - 1));
	for (size_t i = 0; i < rows; i++)
		for (size_t j = 0; j < cols; j++) {
			double e = rsum[i] * csum[j] / total, o = table[i * cols + j], diff = o - e;
			if (yates && r->df == 1) /* each count half a unit nearer its expectation */
				diff = copysign(fmax(0, fabs(diff) - 0.5), diff);
			stat += diff * diff / e;
		}
	r->statistic = stat;
	r->p_value = chi2_sf(stat, r->df);
out:
	pp_free(rsum);
	return rc;
}

static int need_samples(const char *what, size_t m, size_t n)
{
	if (!m || !n)
		return pp_error(PP_EINVAL, "%s: a sample is empty (%zu and %zu values)", what, m, n);
	return 0;
}

int ks2_test(const double *a, size_t m, const double *b, size_t n, struct stat_result *r)
{
	size_t i = 0, j = 0;
	double d = 0;
	int rc;

	if ((rc = need_samples("Kolmogorov-Smirnov", m, n)))
		return rc;
	/* walk both in order; ties move together, then the gap is measured */
	while (i < m && j < n) {
		double v = fmin(a[i], b[j]);
		while (i < m && a[i] == v)
			i++;
		while (j < n && b[j] == v)
			j++;
		d = fmax(d, fabs((double)i / (double)m - (double)j / (double)n));
	}
	r->statistic = d;
	r->df = 0;
	r->p_value = ks2_sf(d, m, n);
	return 0;
}

int z_test_2prop(double x1, double n1, double x2, double n2, struct stat_result *r)
{
	double p, se;

	if (!(n1 > 0) || !(n2 > 0) || !(x1 >= 0) || !(x2 >= 0) || x1 > n1 || x2 > n2)
		return pp_error(PP_EINVAL, "z-test: expected 0 <= successes <= trials and trials > 0, got "
				"%g of %g and %g of %g", x1, n1, x2, n2);
	p = (x1 + x2) / (n1 + n2);
	se = sqrt(p * (1 - p) * (1 / n1 + 1 / n2));
	r->df = 0;
	if (se == 0) { /* both all successes or all failures: no difference to test */
		r->statistic = 0;
		r->p_value = 1;
		return 0;
	}
	r->statistic = (x1 / n1 - x2 / n2) / se;
	r->p_value = fmin(1.0, 2 * normal_sf(fabs(r->statistic)));
	return 0;
}

/* The q-quantile of sorted x, interpolated linearly between order statistics. */
static double quantile(const double *x, size_t n, double q)
{
	double pos = q * (double)(n - 1);
	size_t lo = (size_t)pos;

	if (lo + 1 >= n)
		return x[n - 1];
	return x[lo] + (pos - (double)lo) * (x[lo + 1] - x[lo]);
}

/* Counts of sorted x in the intervals (-inf, e0], (e0, e1], ..., (e[k-2], inf). */
static void bin_counts(const double *x, size_t n, const double *edges, size_t nedges, double *count)
{
	size_t b = 0;

	for (size_t i = 0; i < n; i++) {
		while (b < nedges && x[i] > edges[b])
			b++;
		count[b]++;
	}
}

int psi_quantile(const double *ref, size_t m, const double *cur, size_t n, size_t bins, double *psi)
{
	double *edges, *rc_, *cc;
	size_t ne = 0;
	int rc;

	if ((rc = need_samples("PSI", m, n)))
		return rc;
	if (bins < 2)
		return pp_error(PP_EINVAL, "PSI: needs at least 2 bins, got %zu", bins);
	if (!(edges = pp_calloc(3 * bins, sizeof(double))))
		return PP_ENOMEM;
	rc_ = edges + bins;
	cc = rc_ + bins;
	for (size_t k = 1; k < bins; k++) {
		double e = quantile(ref, m, (double)k / (double)bins);
		if (!ne || e > edges[ne - 1])
			edges[ne++] = e;
	}
	bin_counts(ref, m, edges, ne, rc_);
	bin_counts(cur, n, edges, ne, cc);
	*psi = 0;
	for (size_t k = 0; k <= ne; k++) {
		double r = rc_[k] / (double)m, c = cc[k] / (double)n;
		if (r == 0)
			r = PSI_EMPTY;
		if (c == 0)
			c = PSI_EMPTY;
		*psi += (c - r) * log(c / r);
	}
	pp_free(edges);
	return 0;
}

int js_distance(const double *p, const double *q, size_t k, double *dist)
{
	double sp = 0, sq = 0, div = 0;

	for (size_t i = 0; i < k; i++) {
		if (!(p[i] >= 0) || !(q[i] >= 0))
			return pp_error(PP_EINVAL, "Jensen-Shannon: category %zu has a negative or missing "
					"weight", i + 1);
		sp += p[i];
		sq += q[i];
	}
	if (!(sp > 0) || !(sq > 0))
		return pp_error(PP_EINVAL, "Jensen-Shannon: a histogram is empty");
	for (size_t i = 0; i < k; i++) {
		double a = p[i] / sp, b = q[i] / sq, mid = (a + b) / 2;
		if (a > 0)
			div += a * log(a / mid);
		if (b > 0)
			div += b * log(b / mid);
	}
	*dist = sqrt(fmax(0, div / 2));
	return 0;
}

int wasserstein1(const double *a, size_t m, const double *b, size_t n, double *dist)
{
	size_t i = 0, j = 0;
	double area = 0, x;
	int rc;

	if ((rc = need_samples("Wasserstein", m, n)))
		return rc;
	/* between consecutive points of the merged samples both CDFs are constant */
	x = fmin(a[0], b[0]);
	while (i < m || j < n) {
		double next = i < m && (j >= n || a[i] <= b[j]) ? a[i] : b[j];
		area += fabs((double)i / (double)m - (double)j / (double)n) * (next - x);
		x = next;
		while (i < m && a[i] == x)
			i++;
		while (j < n && b[j] == x)
			j++;
	}
	*dist = area;
	return 0;
}
