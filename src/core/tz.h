/*
 * tz.h - time zones from the system's zoneinfo (TZif files, RFC 8536): the UTC offset at
 * any instant, without touching the process's TZ (several zones at once, any thread).
 * "UTC" (and "Etc/UTC", "") need no file. Past the file's last transition the last offset
 * holds (Debian's files run to 2037; their POSIX rule for later years is not applied).
 */
#ifndef PP_TZ_H
#define PP_TZ_H

#include "core/common.h"

struct tz {
	char name[64];
	int64_t *at;      /* transition times, seconds, ascending */
	int32_t *offset;  /* the offset from at[i] on (seconds east of UTC) */
	size_t n;
	int32_t initial;  /* before the first transition */
};

/* Loads a zone by name (America/New_York); errors name it. dir: NULL for the system's. */
int tz_load(struct tz *z, const char *name, const char *dir);
void tz_release(struct tz *z);

/* Seconds east of UTC at utc_ms. */
int32_t tz_offset(const struct tz *z, int64_t utc_ms);

#endif
