/* Distribution functions for the tests' p-values (special.h). */
#include "quality/special.h"
#include "core/common.h"
#include "core/mem.h"

#include <math.h>

#define EPS 1e-16      /* series and fractions stop when a term no longer counts */
#define ITER 1000000   /* and in any case after this many terms (a up to ~1e10) */
#define TINY 1e-300

double normal_cdf(double x)
{
	return 0.5 * erfc(-x / M_SQRT2);
}

double normal_sf(double x)
{
	return 0.5 * erfc(x / M_SQRT2);
}

/* x^a e^-x / Gamma(a), the factor both expansions share. */
static double gamma_factor(double a, double x)
{
	int sign;

	return exp(a * log(x) - x - lgamma_r(a, &sign));
}

/* P(a, x) by its power series; converges for every x, quickly for x < a + 1. */
static double p_series(double a, double x)
{
	double ap = a, term = 1.0 / a, sum = term;

	for (int i = 0; i < ITER; i++) {
		ap += 1.0;
		term *= x / ap;
		sum += term;
		if (term < sum * EPS)
			break;
	}
	return sum * gamma_factor(a, x);
}

/* Q(a, x) by its continued fraction (Legendre's), evaluated with Lentz's method; for
 * x >= a + 1. */
static double q_fraction(double a, double x)
{
	double b = x + 1.0 - a, c = 1.0 / TINY, d = 1.0 / b, h = d;

	for (int i = 1; i < ITER; i++) {
		double an = -i * (i - a), delta;
		b += 2.0;
		d = an * d + b;
		if (fabs(d) < TINY)
			d = TINY;
		c = b + an / c;
		if (fabs(c) < TINY)
			c = TINY;
		d = 1.0 / d;
		delta = d * c;
		h *= delta;
		if (fabs(delta - 1.0) < EPS)
			break;
	}
	return h * gamma_factor(a, x);
}

double gamma_p(double a, double x)
{
	if (!(a > 0) || !(x >= 0) || isinf(a))
		return NAN;
	if (x == 0)
		return 0;
	if (isinf(x))
		return 1;
	return x < a + 1.0 ? p_series(a, x) : 1.0 - q_fraction(a, x);
}

double gamma_q(double a, double x)
{
	if (!(a > 0) || !(x >= 0) || isinf(a))
		return NAN;
	if (x == 0)
		return 1;
	if (isinf(x))
		return 0;
	return x < a + 1.0 ? 1.0 - p_series(a, x) : q_fraction(a, x);
}

double chi2_sf(double x, double df)
{
	if (!(df > 0) || isnan(x))
		return NAN;
	return x <= 0 ? 1.0 : gamma_q(df / 2.0, x / 2.0);
}

double kolmogorov_sf(double x)
{
	double sum = 0;

	if (isnan(x))
		return NAN;
	if (x <= 0.04) /* the distribution function is below 1e-300 here */
		return 1.0;
	if (x < 1.0) { /* P(K <= x) = sqrt(2 pi) / x sum exp(-(2k - 1)^2 pi^2 / (8 x^2)) */
		double w = -M_PI * M_PI / (8.0 * x * x);
		for (int k = 1; k < 100; k++) {
			double t = exp(w * (2 * k - 1) * (2 * k - 1));
			sum += t;
			if (t < sum * EPS)
				break;
		}
		return 1.0 - sqrt(2.0 * M_PI) / x * sum;
	}
	/* P(K > x) = 2 sum (-1)^(k-1) exp(-2 k^2 x^2) */
	for (int k = 1; k < 100; k++) {
		double t = exp(-2.0 * k * k * x * x);
		sum += k & 1 ? t : -t;
		if (t < fabs(sum) * EPS)
			break;
	}
	return fmin(1.0, 2.0 * sum);
}

/*
 * The samples' merged order is a lattice path from (0, 0) to (m, n), every path equally
 * likely; D >= d when the path reaches a point with |i/m - j/n| >= d, that is
 * |i n - j m| >= h for the integer h = ceil(d m n). q[j] is the probability of reaching
 * (i, j) without having touched such a point; what touches one adds to the result, so
 * the sum has no cancellation and small p-values keep their digits.
 */
double ks2_exact_sf(double d, size_t m, size_t n)
{
	double mn = (double)m * (double)n, out = 0, h, *q;

	if (!m || !n || isnan(d))
		return NAN;
	if (d <= 0)
		return 1.0;
	if (d > 1)
		return 0.0;
	/* d m n is a whole multiple of gcd(m, n), up to rounding far below 1e-6 while m n is
	 * small enough for the exact count */
	h = ceil(d * mn - 1e-6);
	if (!(q = pp_calloc(n + 1, sizeof(*q))))
		return NAN;
	for (size_t i = 0; i <= m; i++) {
		for (size_t j = 0; j <= n; j++) {
			double p;
			if (!i && !j) {
				p = 1.0;
			} else {
				p = 0;
				if (i) /* from (i - 1, j): an x came */
					p += q[j] * (double)(m - i + 1) / (double)(m - i + 1 + n - j);
				if (j) /* from (i, j - 1): a y came */
					p += q[j - 1] * (double)(n - j + 1) / (double)(m - i + n - j + 1);
			}
			if (fabs((double)i * (double)n - (double)j * (double)m) >= h) {
				out += p;
				p = 0;
			}
			q[j] = p;
		}
	}
	pp_free(q);
	return fmin(1.0, out);
}

double ks2_asymptotic_sf(double d, size_t m, size_t n)
{
	double en;

	if (!m || !n || isnan(d))
		return NAN;
	en = sqrt((double)m * (double)n / ((double)m + (double)n));
	return kolmogorov_sf((en + 0.12 + 0.11 / en) * d);
}

double ks2_sf(double d, size_t m, size_t n)
{
	if ((double)m * (double)n <= KS2_EXACT_MAX)
		return ks2_exact_sf(d, m, n);
	return ks2_asymptotic_sf(d, m, n);
}
