/*
 * common.h - included first by every ppredict source file.
 *
 * Pulls in the system headers nearly every file needs, then banned.h, which must come
 * after them: it redefines unsafe libc names so that any new use fails to compile.
 */
#ifndef PP_COMMON_H
#define PP_COMMON_H

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PP_VERSION "0.1.0"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define PP_UNUSED __attribute__((unused))
#define PP_PRINTF(f, a) __attribute__((format(printf, f, a)))
#define PP_LIKELY(x) __builtin_expect(!!(x), 1)
#define PP_UNLIKELY(x) __builtin_expect(!!(x), 0)

/* A borrowed byte range: never owns its bytes, never NUL-terminated by contract. */
struct span {
	const char *p;
	size_t len;
};

#define SPAN_LIT(s) ((struct span){ (s), sizeof(s) - 1 })

static inline struct span span_of(const char *s)
{
	return (struct span){ s, s ? strlen(s) : 0 };
}

static inline bool span_eq(struct span a, const char *lit)
{
	size_t n = strlen(lit);
	return a.len == n && memcmp(a.p, lit, n) == 0;
}

#include "core/banned.h"

#endif
