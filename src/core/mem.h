/*
 * mem.h - allocation wrappers with a failure-injection hook.
 *
 * Every allocation in ppredict goes through these, so a test can make the N-th one fail
 * (pp_mem_fail_after) and check that the caller returns PP_ENOMEM and leaks nothing.
 * They never abort: a NULL return is the caller's to handle.
 */
#ifndef PP_MEM_H
#define PP_MEM_H

#include "core/common.h"

void *pp_malloc(size_t n);
void *pp_calloc(size_t count, size_t size);
void *pp_realloc(void *p, size_t n);
char *pp_strndup(const char *s, size_t n);
char *pp_strdup(const char *s);
void pp_free(void *p);

/*
 * Makes room for one more element in a growable array: when *n == *cap the array at
 * *(void **)arrp doubles (from `first` elements of `size` bytes). Returns 0, or
 * PP_ENOMEM with the array unchanged. Usage:
 *     if (pp_array_grow(&v->items, v->n, &v->cap, sizeof(*v->items), 64)) return PP_ENOMEM;
 */
int pp_array_grow(void *arrp, size_t n, size_t *cap, size_t size, size_t first);

/* Asks the kernel to back the whole 2 MiB pages inside p[0..n) with huge pages (large
 * arrays filled once: a fault per 2 MiB instead of per 4 KiB). Advice only. */
void pp_advise_huge(void *p, size_t n);

/*
 * Fail every allocation after `n` more succeed (n = 0 fails the next one);
 * a negative n turns injection off. For tests only.
 */
void pp_mem_fail_after(long n);

/* How many allocations were attempted since the process started (for fault loops). */
unsigned long pp_mem_attempts(void);

#endif
