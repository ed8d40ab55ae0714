/* The statistics behind the quality and drift checks, against SciPy's values
 * (tests/data/stats/reference.csv and the script that made it). */
#include "test.h"
#include "core/buf.h"
#include "core/err.h"
#include "core/fsutil.h"
#include "core/mem.h"
#include "core/rng.h"
#include "quality/drift.h"
#include "quality/special.h"
#include "quality/stat_tests.h"

#define MAX_CELLS 8
#define MAX_SAMPLES 32

struct ref_line {
	char *cell[MAX_CELLS];
	size_t n;
};

struct reference {
	struct buf text;
	struct ref_line *lines;
	size_t nlines;
	double *sample[MAX_SAMPLES];
	size_t sample_n[MAX_SAMPLES], nsamples;
};

static int by_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Numbers separated by sep in s: into v (at most max), their count returned. */
static size_t numbers(const char *s, char sep, double *v, size_t max)
{
	size_t n = 0;

	while (*s && n < max) {
		char *end;
		v[n++] = strtod(s, &end);
		CHECK(end != s);
		s = *end == sep ? end + 1 : end;
	}
	return n;
}

static void load_reference(struct reference *r)
{
	const char *root = getenv("PPREDICT_ROOT");
	char path[1024];
	size_t cap = 0;

	memset(r, 0, sizeof(*r));
	CHECK(root);
	snprintf(path, sizeof(path), "%s/tests/data/stats/reference.csv", root);
	CHECK_INT(fs_read_file(path, &r->text), 0);
	for (char *line = r->text.data, *nl; line && *line; line = nl) {
		if ((nl = strchr(line, '\n')))
			*nl++ = 0;
		if (!strncmp(line, "sample,", 7)) {
			size_t k = r->nsamples++;
			CHECK(k < MAX_SAMPLES);
			r->sample[k] = pp_calloc(4096, sizeof(double));
			r->sample_n[k] = numbers(line + 7, ',', r->sample[k], 4096);
			qsort(r->sample[k], r->sample_n[k], sizeof(double), by_double);
			continue;
		}
		CHECK_INT(pp_array_grow(&r->lines, r->nlines, &cap, sizeof(*r->lines), 64), 0);
		struct ref_line *l = &r->lines[r->nlines++];
		memset(l, 0, sizeof(*l));
		for (char *c = line; c && l->n < MAX_CELLS; ) {
			char *comma = strchr(c, ',');
			if (comma)
				*comma++ = 0;
			l->cell[l->n++] = c;
			c = comma;
		}
	}
	CHECK(r->nlines > 300);
}

static void release_reference(struct reference *r)
{
	for (size_t k = 0; k < r->nsamples; k++)
		pp_free(r->sample[k]);
	pp_free(r->lines);
	buf_release(&r->text);
}

static double num(const struct ref_line *l, size_t i)
{
	CHECK(i < l->n);
	return strtod(l->cell[i], NULL);
}

/* got agrees with SciPy's want to rel relative error (absolutely, below 1e-300). */
static void agree(const struct ref_line *l, double got, double want, double rel)
{
	double err = fabs(got - want), allowed = rel * fabs(want) + 1e-300;

	if (!(err <= allowed) && !(isnan(got) && isnan(want)))
		test_fail(__FILE__, __LINE__, "%s(%s, %s, ...) = %.17g, SciPy: %.17g (relative error %.3g)",
			  l->cell[0], l->cell[1], l->n > 2 ? l->cell[2] : "", got, want,
			  want ? err / fabs(want) : err);
}

TEST(quality_special_functions_match_scipy)
{
	struct reference r;
	size_t checked = 0;

	load_reference(&r);
	for (size_t i = 0; i < r.nlines; i++) {
		const struct ref_line *l = &r.lines[i];
		const char *f = l->cell[0];
		if (!strcmp(f, "normal_cdf"))
			agree(l, normal_cdf(num(l, 1)), num(l, 2), 1e-12);
		else if (!strcmp(f, "normal_sf"))
			agree(l, normal_sf(num(l, 1)), num(l, 2), 1e-12);
		else if (!strcmp(f, "gamma_p"))
			agree(l, gamma_p(num(l, 1), num(l, 2)), num(l, 3), 1e-9);
		else if (!strcmp(f, "gamma_q"))
			agree(l, gamma_q(num(l, 1), num(l, 2)), num(l, 3), 1e-9);
		else if (!strcmp(f, "chi2_sf"))
			agree(l, chi2_sf(num(l, 1), num(l, 2)), num(l, 3), 1e-9);
		else if (!strcmp(f, "kolmogorov_sf"))
			agree(l, kolmogorov_sf(num(l, 1)), num(l, 2), 1e-12);
		else
			continue;
		checked++;
	}
	CHECK(checked > 300);
	/* outside the domain */
	CHECK(isnan(gamma_p(0, 1)));
	CHECK(isnan(gamma_q(1, -1)));
	CHECK(isnan(chi2_sf(1, 0)));
	CHECK_NEAR(gamma_p(3, INFINITY), 1, 0);
	CHECK_NEAR(chi2_sf(-1, 3), 1, 0);
	release_reference(&r);
}

static void hist(const char *s, double *v, size_t *n)
{
	*n = numbers(s, ' ', v, 16);
}

TEST(quality_tests_match_scipy)
{
	struct reference r;
	size_t checked = 0;

	load_reference(&r);
	for (size_t i = 0; i < r.nlines; i++) {
		const struct ref_line *l = &r.lines[i];
		const char *f = l->cell[0];
		struct stat_result res;
		double p[16], q[16], d;
		size_t np, nq;
		if (!strcmp(f, "ks2") || !strcmp(f, "wasserstein") || !strcmp(f, "psi")) {
			size_t a = (size_t)num(l, 1), b = (size_t)num(l, 2);
			CHECK(a < r.nsamples && b < r.nsamples);
			if (!strcmp(f, "ks2")) {
				CHECK_INT(ks2_test(r.sample[a], r.sample_n[a], r.sample[b], r.sample_n[b], &res), 0);
				agree(l, res.statistic, num(l, 3), 1e-12);
				agree(l, res.p_value, num(l, 4), 1e-9);
			} else if (!strcmp(f, "wasserstein")) {
				CHECK_INT(wasserstein1(r.sample[a], r.sample_n[a], r.sample[b], r.sample_n[b], &d), 0);
				agree(l, d, num(l, 3), 1e-12);
			} else {
				CHECK_INT(psi_quantile(r.sample[a], r.sample_n[a], r.sample[b], r.sample_n[b], 10, &d), 0);
				agree(l, d, num(l, 3), 1e-12);
			}
		} else if (!strcmp(f, "js_distance")) {
			hist(l->cell[1], p, &np);
			hist(l->cell[2], q, &nq);
			CHECK_INT(np, nq);
			CHECK_INT(js_distance(p, q, np, &d), 0);
			agree(l, d, num(l, 3), 1e-12);
		} else if (!strcmp(f, "chi2_gof")) {
			hist(l->cell[1], p, &np);
			hist(l->cell[2], q, &nq);
			CHECK_INT(chi2_gof(p, q, np, &res), 0);
			agree(l, res.statistic, num(l, 3), 1e-12);
			agree(l, res.p_value, num(l, 4), 1e-9);
			CHECK_INT(res.df, np - 1);
		} else if (!strcmp(f, "chi2_independence")) {
			double t[16];
			size_t rows = 1, n = 0;
			for (const char *c = l->cell[1]; *c; c++)
				rows += *c == ';';
			char tmp[256];
			snprintf(tmp, sizeof(tmp), "%s", l->cell[1]);
			for (char *c = tmp; *c; c++)
				if (*c == ';')
					*c = ' ';
			hist(tmp, t, &n);
			CHECK_INT(chi2_independence(t, rows, n / rows, !strcmp(l->cell[2], "yates"), &res), 0);
			agree(l, res.statistic, num(l, 3), 1e-12);
			agree(l, res.p_value, num(l, 4), 1e-9);
			agree(l, res.df, num(l, 5), 0);
		} else if (!strcmp(f, "z_test")) {
			CHECK_INT(z_test_2prop(num(l, 1), num(l, 2), num(l, 3), num(l, 4), &res), 0);
			agree(l, res.statistic, num(l, 5), 1e-12);
			agree(l, res.p_value, num(l, 6), 1e-12);
		} else {
			continue;
		}
		checked++;
	}
	CHECK(checked >= 30);
	release_reference(&r);
}

TEST(quality_ks_exact_and_limit_agree_for_large_samples)
{
	/* where the exact count is still affordable, the limit is within a few percent */
	double d[] = { 0.03, 0.04, 0.05 };

	for (size_t i = 0; i < ARRAY_SIZE(d); i++) {
		double exact = ks2_exact_sf(d[i], 1500, 2000), limit = ks2_asymptotic_sf(d[i], 1500, 2000);
		CHECK(exact > 1e-4);
		CHECK_NEAR(limit / exact, 1.0, 0.05);
	}
	/* the probabilities of D over every attainable value sum up: P(D >= smallest) = 1 */
	CHECK_NEAR(ks2_exact_sf(1.0 / 12, 3, 4), 1.0, 1e-12);
	CHECK_NEAR(ks2_exact_sf(1.0, 3, 4), 2.0 / 35, 1e-12); /* all x first or all y first */
	CHECK_NEAR(ks2_exact_sf(1.5, 3, 4), 0, 0);
}

TEST(quality_tests_reject_bad_input)
{
	struct stat_result r;
	double a[] = { 1, 2 }, zero[] = { 0, 0 }, d;

	CHECK_INT(chi2_gof(a, a, 1, &r), PP_EINVAL);
	CHECK_CONTAINS(pp_errmsg(), "at least 2 categories");
	CHECK_INT(chi2_gof(a, (double[]){ 1, 0 }, 2, &r), PP_EINVAL);
	CHECK_CONTAINS(pp_errmsg(), "category 2 is observed but never expected");
	CHECK_INT(chi2_gof(a, zero, 2, &r), PP_EINVAL);
	CHECK_INT(chi2_independence((double[]){ 1, 2, 0, 0 }, 2, 2, true, &r), PP_EINVAL);
	CHECK_CONTAINS(pp_errmsg(), "row 2 is empty");
	CHECK_INT(chi2_independence(a, 1, 2, true, &r), PP_EINVAL);
	CHECK_INT(ks2_test(a, 2, a, 0, &r), PP_EINVAL);
	CHECK_CONTAINS(pp_errmsg(), "a sample is empty");
	CHECK_INT(z_test_2prop(5, 4, 1, 10, &r), PP_EINVAL);
	CHECK_INT(z_test_2prop(0, 10, 0, 10, &r), 0);
	CHECK_NEAR(r.p_value, 1, 0);
	CHECK_INT(psi_quantile(a, 2, a, 2, 1, &d), PP_EINVAL);
	CHECK_INT(js_distance(zero, a, 2, &d), PP_EINVAL);
	CHECK_INT(wasserstein1(a, 0, a, 2, &d), PP_EINVAL);
	/* identical samples: no distance, no drift */
	CHECK_INT(wasserstein1(a, 2, a, 2, &d), 0);
	CHECK_NEAR(d, 0, 0);
	CHECK_INT(psi_quantile(a, 2, a, 2, 10, &d), 0);
	CHECK_NEAR(d, 0, 0);
	CHECK_INT(ks2_test(a, 2, a, 2, &r), 0);
	CHECK_NEAR(r.statistic, 0, 0);
	CHECK_NEAR(r.p_value, 1, 0);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Rejections at p < 0.05 over `reps` pairs of samples of n values, the second shifted. */
static int ks_rejections(struct rng *r, int reps, size_t n, double shift)
{
	double a[300], b[300];
	int rejected = 0;

	for (int k = 0; k < reps; k++) {
		struct stat_result res;
		for (size_t i = 0; i < n; i++) {
			a[i] = rng_normal(r);
			b[i] = rng_normal(r) + shift;
		}
		qsort(a, n, sizeof(double), cmp_double);
		qsort(b, n, sizeof(double), cmp_double);
		CHECK_INT(ks2_test(a, n, b, n, &res), 0);
		rejected += res.p_value < 0.05;
	}
	return rejected;
}

static int draw(struct rng *r, const double *share, int k)
{
	double u = rng_uniform(r), acc = 0;

	for (int c = 0; c < k - 1; c++)
		if (u < (acc += share[c]))
			return c;
	return k - 1;
}

static int chi2_rejections(struct rng *r, int reps, int n, double tilt)
{
	const double ref_share[] = { 0.4, 0.3, 0.2, 0.1 };
	const double cur_share[] = { 0.4 + tilt, 0.3 - tilt, 0.2, 0.1 };
	int rejected = 0;

	for (int k = 0; k < reps; k++) {
		double table[8] = { 0 }; /* the reference's counts, then the current's */
		struct stat_result res;
		for (int i = 0; i < n; i++) {
			table[draw(r, ref_share, 4)]++;
			table[4 + draw(r, cur_share, 4)]++;
		}
		/* two samples: homogeneity (2 x k), not goodness of fit to a noisy reference */
		CHECK_INT(chi2_independence(table, 2, 4, false, &res), 0);
		rejected += res.p_value < 0.05;
	}
	return rejected;
}

TEST(quality_tests_false_alarms_near_nominal_and_power)
{
	/* same distribution: about 5% of 2000 comparisons reject (binomial sd ~ 10); KS of
	 * two samples is conservative in the discrete exact form, a little below 5% */
	struct rng r;
	int ks0, ks1, c0, c1;

	rng_seed(&r, 7);
	ks0 = ks_rejections(&r, 2000, 200, 0);
	ks1 = ks_rejections(&r, 200, 200, 0.5);
	c0 = chi2_rejections(&r, 2000, 500, 0);
	c1 = chi2_rejections(&r, 200, 500, 0.1);
	printf("false alarms: KS %d/2000, chi-square %d/2000; power: KS %d/200, chi-square %d/200\n",
	       ks0, c0, ks1, c1);
	CHECK(ks0 >= 60 && ks0 <= 130);
	CHECK(c0 >= 60 && c0 <= 140);
	CHECK(ks1 >= 190);
	CHECK(c1 >= 150);
}

TEST(drift_windows_parse)
{
	struct drift_window w;

	CHECK_INT(drift_window_parse("curated/fact_sessions", &w), 0);
	CHECK_STR(w.table, "curated/fact_sessions");
	CHECK_INT(w.version, -1);
	CHECK_STR(w.dates.from, "");
	CHECK_INT(drift_window_parse("curated/dim_visitor@3", &w), 0);
	CHECK_STR(w.table, "curated/dim_visitor");
	CHECK_INT(w.version, 3);
	CHECK_INT(drift_window_parse("processed/events:2015-05-03..2015-05-25", &w), 0);
	CHECK_STR(w.table, "processed/events");
	CHECK_STR(w.dates.from, "2015-05-03");
	CHECK_STR(w.dates.to, "2015-05-25");
	CHECK_INT(drift_window_parse("2015-05-26..", &w), 0);
	CHECK_STR(w.table, "");
	CHECK_STR(w.dates.from, "2015-05-26");
	CHECK_STR(w.dates.to, "");
	CHECK_INT(drift_window_parse("t@2:..2015-01-01", &w), 0);
	CHECK_INT(w.version, 2);
	CHECK_STR(w.table, "t");
	CHECK_STR(w.dates.to, "2015-01-01");
	CHECK_INT(drift_window_parse("t:2015-5-1..2015-06-01", &w), PP_EUSAGE);
	CHECK_CONTAINS(pp_errmsg(), "'2015-5-1' is not a date");
	CHECK_INT(drift_window_parse("t@x", &w), PP_EUSAGE);
	CHECK_INT(drift_window_parse("t@-1", &w), PP_EUSAGE);
	CHECK_INT(drift_window_parse("", &w), PP_EUSAGE);
}
