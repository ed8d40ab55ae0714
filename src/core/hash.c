#include "core/hash.h"

static inline uint64_t mix(uint64_t x)
{
	x ^= x >> 32;
	x *= 0xd6e8feb86659fd93ull;
	x ^= x >> 32;
	x *= 0xd6e8feb86659fd93ull;
	x ^= x >> 32;
	return x;
}

uint64_t pp_hash64(const void *data, size_t len, uint64_t seed)
{
	const unsigned char *p = data;
	uint64_t a = seed ^ 0x9e3779b97f4a7c15ull, b = len * 0xff51afd7ed558ccdull;
	size_t i = 0;

	/* Two lanes so the multiplies of consecutive words overlap. */
	for (; i + 16 <= len; i += 16) {
		uint64_t x, y;
		memcpy(&x, p + i, 8);
		memcpy(&y, p + i + 8, 8);
		a = (a ^ x) * 0x9fb21c651e98df25ull;
		b = (b ^ y) * 0xc2b2ae3d27d4eb4full;
		a ^= a >> 29;
		b ^= b >> 31;
	}
	for (; i < len; i++)
		a = (a ^ p[i]) * 0x100000001b3ull;
	return mix(a ^ mix(b));
}
