/*
 * strsort.h - ordering records by a string field, fast: the sort compares the strings'
 * first eight bytes as one big-endian number (the order strcmp gives them) and looks at
 * the rest only on a tie, so it rarely touches the records or their strings.
 */
#ifndef PP_STRSORT_H
#define PP_STRSORT_H

#include "core/common.h"

/*
 * The positions 0..n-1 of the records at base (stride bytes apart, a `const char *`
 * at offset `field` in each, NUL-terminated) in the strings' byte order; ties keep no
 * particular order. NULL when out of memory; pp_free the result.
 */
size_t *str_order(const void *base, size_t n, size_t stride, size_t field);

/* The first eight bytes of s (len bytes long) as a big-endian number, zero-padded. */
uint64_t str_prefix(const char *s, size_t len);

#endif
