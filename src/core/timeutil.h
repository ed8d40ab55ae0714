/*
 * timeutil.h - UTC calendar arithmetic and timestamp text, all in int64 milliseconds
 * since the Unix epoch. No libc time zone state is touched (thread-safe, fast).
 */
#ifndef PP_TIMEUTIL_H
#define PP_TIMEUTIL_H

#include "core/common.h"

#define MS_PER_SEC 1000LL
#define MS_PER_MIN (60 * MS_PER_SEC)
#define MS_PER_HOUR (60 * MS_PER_MIN)
#define MS_PER_DAY (24 * MS_PER_HOUR)

struct civil {
	int year, month, day; /* month 1-12, day 1-31 */
	int hour, min, sec, ms;
	int wday; /* 0 = Sunday */
};

/* Days since 1970-01-01 for a proleptic Gregorian date (month 1-12). */
int64_t days_from_civil(int y, int m, int d);
void civil_from_ms(int64_t ms, struct civil *c);

/* Floor division by a positive divisor, correct for negative timestamps. */
static inline int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;
	return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

/*
 * Parses RFC 3339 ("2015-06-02T05:02:12.117Z", "...+02:00"), also accepting a space for
 * 'T', lowercase 't'/'z', fractions of any length (truncated to ms), a date alone
 * ("2015-06-02", midnight UTC) and the " UTC" suffix used by REES46 exports.
 * Validates field ranges including the day of month. Returns 0 or PP_EINVAL.
 */
int time_parse(const char *s, size_t n, int64_t *ms);
/* The same, or a whole number of epoch milliseconds ("1433221332117"). */
int time_parse_or_ms(const char *s, size_t n, int64_t *ms);

/* Writes "YYYY-MM-DDTHH:MM:SS.mmmZ" (24 chars + NUL) into out. */
void time_format_rfc3339(int64_t ms, char out[32]);

/* Wall clock and monotonic clock in ms / ns. */
int64_t time_now_ms(void);
uint64_t time_mono_ns(void);

#endif
