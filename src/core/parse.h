/*
 * parse.h - strict text-to-number conversions shared by config, CLI and importers.
 *
 * Each takes a byte range (not necessarily NUL-terminated), accepts the whole range or
 * nothing, and returns 0 or PP_EINVAL (PP_ELIMIT on overflow). No locale, no leading
 * whitespace, no silent truncation.
 */
#ifndef PP_PARSE_H
#define PP_PARSE_H

#include "core/common.h"

int parse_int64(const char *s, size_t n, int64_t *out);

/* Accepts "11117" and the pandas float form "11117.0" / "11117.000" (integer value). */
int parse_int64_lenient(const char *s, size_t n, int64_t *out);

/* A finite decimal number ("12.5", "-3", "1e3"); rejects nan/inf/hex. */
int parse_double(const char *s, size_t n, double *out);

/* "500ms", "30s", "30m", "1h", "7d", "1w"; a bare number is seconds. */
int parse_duration_ms(const char *s, size_t n, int64_t *out);

/* "512", "64KiB", "64MiB", "1GiB", "10MB" (SI), "1k"; a bare number is bytes. */
int parse_size(const char *s, size_t n, uint64_t *out);

/* "true|false|yes|no|on|off|1|0" */
int parse_bool(const char *s, size_t n, bool *out);

#endif
