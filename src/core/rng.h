/*
 * rng.h - deterministic pseudo-random numbers (xoshiro256**, seeded by splitmix64).
 *
 * The same seed gives the same sequence on every machine and compiler: only integer
 * arithmetic and IEEE double operations with a fixed order are used. rng_fork derives an
 * independent stream from (seed, key...) so that, for example, visitor 17's behaviour does
 * not depend on how many numbers visitor 16 consumed.
 */
#ifndef PP_RNG_H
#define PP_RNG_H

#include "core/common.h"

struct rng {
	uint64_t s[4];
};

uint64_t splitmix64(uint64_t *state);
void rng_seed(struct rng *r, uint64_t seed);
void rng_fork(struct rng *r, uint64_t seed, uint64_t a, uint64_t b);

static inline uint64_t rng_rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static inline uint64_t rng_next(struct rng *r)
{
	uint64_t *s = r->s;
	uint64_t result = rng_rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rng_rotl(s[3], 45);
	return result;
}

/* Uniform in [0, 1) with 53 bits. */
static inline double rng_uniform(struct rng *r)
{
	return (double)(rng_next(r) >> 11) * 0x1.0p-53;
}

/* Uniform integer in [0, n), n > 0, unbiased (Lemire's multiply-and-reject). */
uint64_t rng_below(struct rng *r, uint64_t n);

static inline bool rng_chance(struct rng *r, double p)
{
	return rng_uniform(r) < p;
}

double rng_normal(struct rng *r);
double rng_exponential(struct rng *r, double mean);
double rng_lognormal(struct rng *r, double mu, double sigma);
/* Geometric count of failures before a success with probability p (mean (1-p)/p). */
uint64_t rng_geometric(struct rng *r, double p);

/*
 * Walker's alias table: O(1) draws from a fixed discrete distribution.
 * Owns its arrays; alias_release frees them.
 */
struct alias_table {
	uint32_t n;
	double *prob;
	uint32_t *alias;
};

int alias_build(struct alias_table *t, const double *weights, uint32_t n);
uint32_t alias_draw(const struct alias_table *t, struct rng *r);
void alias_release(struct alias_table *t);

#endif
