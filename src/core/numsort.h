/*
 * numsort.h - sorting doubles by radix on their bits (the quality checks sort columns of
 * millions of values; qsort's comparison calls cost several times more).
 */
#ifndef PP_NUMSORT_H
#define PP_NUMSORT_H

#include "core/common.h"

/* Sorts v ascending (-0.0 before 0.0; no NaN). PP_ENOMEM when out of memory. */
int sort_doubles(double *v, size_t n);

#endif
