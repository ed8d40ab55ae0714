/* Radix sort of doubles (numsort.h). */
#include "core/numsort.h"
#include "core/err.h"
#include "core/mem.h"

/* The bits of a double as an unsigned number in the same order: negative numbers have
 * all bits flipped, the others only the sign. */
static uint64_t key_of(double d)
{
	uint64_t u;

	memcpy(&u, &d, sizeof(u));
	return u >> 63 ? ~u : u | 0x8000000000000000ull;
}

static double double_of(uint64_t k)
{
	uint64_t u = k >> 63 ? k & 0x7fffffffffffffffull : ~k;
	double d;

	memcpy(&d, &u, sizeof(d));
	return d;
}

static inline uint64_t key_at_u64(const uint64_t *r)
{
	return *r;
}

static inline uint64_t key_at_rec(const struct radix_rec *r)
{
	return r->key;
}

#define key_at(r) _Generic((r), const uint64_t *: key_at_u64, const struct radix_rec *: key_at_rec)(r)

/* One pass of the byte d: records from a to b by the bucket offsets in count. */
#define SCATTER(type)                                                                    \
	for (size_t i = 0; i < n; i++) {                                                 \
		const type *r = (const type *)a + i;                                     \
		((type *)b)[count[d][(key_at(r) >> (8 * d)) & 0xff]++] = *r;             \
	}

void *radix_sort_u64(void *recs, void *tmp, size_t n, size_t size)
{
	size_t count[8][256];
	char *a = recs, *b = tmp;

	memset(count, 0, sizeof(count));
	for (size_t i = 0; i < n; i++) {
		uint64_t k;
		memcpy(&k, a + i * size, sizeof(k));
		for (int d = 0; d < 8; d++)
			count[d][(k >> (8 * d)) & 0xff]++;
	}
	for (int d = 0; d < 8; d++) {
		size_t sum = 0;
		bool one = false;
		for (int x = 0; x < 256 && !one; x++)
			one = count[d][x] == n;
		if (one)
			continue;
		for (int x = 0; x < 256; x++) {
			size_t c = count[d][x];
			count[d][x] = sum;
			sum += c;
		}
		if (size == sizeof(uint64_t)) /* typed copies: a call per record would double the time */
			SCATTER(uint64_t)
		else
			SCATTER(struct radix_rec)
		char *t = a;
		a = b;
		b = t;
	}
	return a;
}

int sort_doubles(double *v, size_t n)
{
	uint64_t *a, *b, *sorted;

	if (n < 64) { /* insertion sort: no buffers for a handful */
		for (size_t i = 1; i < n; i++) {
			double x = v[i];
			size_t j = i;
			for (; j && v[j - 1] > x; j--)
				v[j] = v[j - 1];
			v[j] = x;
		}
		return 0;
	}
	a = pp_malloc(n * sizeof(*a));
	b = pp_malloc(n * sizeof(*b));
	if (!a || !b) {
		pp_free(a);
		pp_free(b);
		return PP_ENOMEM;
	}
	for (size_t i = 0; i < n; i++)
		a[i] = key_of(v[i]);
	sorted = radix_sort_u64(a, b, n, sizeof(*a));
	for (size_t i = 0; i < n; i++)
		v[i] = double_of(sorted[i]);
	pp_free(a);
	pp_free(b);
	return 0;
}
