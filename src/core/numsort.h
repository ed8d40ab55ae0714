/*
 * numsort.h - radix sorting by 64-bit keys: doubles by their bits (the quality checks sort
 * columns of millions of values; qsort's comparison calls cost several times more), and
 * records keyed by a number (core/strsort.h's string prefixes).
 */
#ifndef PP_NUMSORT_H
#define PP_NUMSORT_H

#include "core/common.h"

/* A record keyed by a number, with what goes with it (an index, a pointer). */
struct radix_rec {
	uint64_t key;
	uint64_t value;
};

/*
 * Sorts n records of `size` bytes (sizeof(uint64_t): bare keys, or sizeof(struct
 * radix_rec))
 * by their key, LSD radix a byte at a time; a byte every key shares costs no pass. tmp
 * has room for n more; the result is in whichever of the two is returned.
 */
void *radix_sort_u64(void *recs, void *tmp, size_t n, size_t size);

/* Sorts v ascending (-0.0 before 0.0; no NaN). PP_ENOMEM when out of memory. */
int sort_doubles(double *v, size_t n);

#endif
