#include "core/rng.h"
#include "core/err.h"
#include "core/mem.h"

#include <math.h>

uint64_t splitmix64(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

void rng_seed(struct rng *r, uint64_t seed)
{
	int i;

	for (i = 0; i < 4; i++)
		r->s[i] = splitmix64(&seed);
}

void rng_fork(struct rng *r, uint64_t seed, uint64_t a, uint64_t b)
{
	uint64_t st = seed;
	uint64_t k = splitmix64(&st) ^ (a * 0xd1342543de82ef95ull);

	st = k;
	k = splitmix64(&st) ^ (b * 0x9e3779b97f4a7c15ull);
	rng_seed(r, k);
}

uint64_t rng_below(struct rng *r, uint64_t n)
{
	unsigned __int128 m = (unsigned __int128)rng_next(r) * n;
	uint64_t lo = (uint64_t)m;

	if (lo < n) {
		uint64_t t = (0 - n) % n;
		while (lo < t) {
			m = (unsigned __int128)rng_next(r) * n;
			lo = (uint64_t)m;
		}
	}
	return (uint64_t)(m >> 64);
}

double rng_normal(struct rng *r)
{
	/* Box-Muller without caching the second value: keeps the stream position simple. */
	double u1 = rng_uniform(r), u2 = rng_uniform(r);

	if (u1 < 1e-300)
		u1 = 1e-300;
	return sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2);
}

double rng_exponential(struct rng *r, double mean)
{
	return -mean * log1p(-rng_uniform(r));
}

double rng_lognormal(struct rng *r, double mu, double sigma)
{
	return exp(mu + sigma * rng_normal(r));
}

uint64_t rng_geometric(struct rng *r, double p)
{
	double u;

	if (p >= 1.0)
		return 0;
	u = rng_uniform(r);
	return (uint64_t)floor(log1p(-u) / log1p(-p));
}

int alias_build(struct alias_table *t, const double *weights, uint32_t n)
{
	uint32_t *small = NULL, *large = NULL, ns = 0, nl = 0, i;
	double total = 0, *scaled = NULL;
	int rc = PP_ENOMEM;

	t->n = n;
	t->prob = pp_malloc(sizeof(double) * n);
	t->alias = pp_malloc(sizeof(uint32_t) * n);
	scaled = pp_malloc(sizeof(double) * n);
	small = pp_malloc(sizeof(uint32_t) * n);
	large = pp_malloc(sizeof(uint32_t) * n);
	if (!t->prob || !t->alias || !scaled || !small || !large || n == 0)
		goto out;
	for (i = 0; i < n; i++)
		total += weights[i];
	if (!(total > 0)) {
		rc = PP_EINVAL;
		goto out;
	}
	for (i = 0; i < n; i++) {
		scaled[i] = weights[i] * n / total;
		if (scaled[i] < 1.0)
			small[ns++] = i;
		else
			large[nl++] = i;
	}
	while (ns && nl) {
		uint32_t s = small[--ns], l = large[nl - 1];
		t->prob[s] = scaled[s];
		t->alias[s] = l;
		scaled[l] -= 1.0 - scaled[s];
		if (scaled[l] < 1.0) {
			nl--;
			small[ns++] = l;
		}
	}
	while (nl) {
		uint32_t l = large[--nl];
		t->prob[l] = 1.0;
		t->alias[l] = l;
	}
	while (ns) {
		uint32_t s = small[--ns];
		t->prob[s] = 1.0;
		t->alias[s] = s;
	}
	rc = 0;
out:
	pp_free(scaled);
	pp_free(small);
	pp_free(large);
	if (rc)
		alias_release(t);
	return rc;
}

uint32_t alias_draw(const struct alias_table *t, struct rng *r)
{
	uint64_t x = rng_next(r);
	uint32_t i = (uint32_t)(((x >> 32) * t->n) >> 32);
	double u = (double)(x & 0xffffffffu) * 0x1.0p-32;

	return u < t->prob[i] ? i : t->alias[i];
}

void alias_release(struct alias_table *t)
{
	pp_free(t->prob);
	pp_free(t->alias);
	t->prob = NULL;
	t->alias = NULL;
	t->n = 0;
}
