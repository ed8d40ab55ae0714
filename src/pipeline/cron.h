/*
 * cron.h - five-field cron schedules (minute hour day-of-month month day-of-week) in a time
 * zone, as the pipeline's scheduler reads them: `*`, numbers, ranges `a-b`, steps `*\/n` and
 * `a-b/n`, lists `a,b`, month and weekday names (JAN..DEC, SUN..SAT; 7 is Sunday too), and
 * @hourly, @daily, @weekly, @monthly, @yearly. When both day fields are restricted a day
 * matches either (as Vixie cron does).
 *
 * Times are the zone's wall clock. A wall time the clock skips (the hour lost in spring)
 * fires at the moment it jumps; one it shows twice (the hour repeated in autumn) fires the
 * first time only.
 */
#ifndef PP_CRON_H
#define PP_CRON_H

#include "core/common.h"
#include "core/tz.h"

struct cron {
	uint64_t minutes;  /* bit m: minute m */
	uint32_t hours, days; /* bit h; bit d (1..31) */
	uint16_t months;   /* bit m (1..12) */
	uint8_t weekdays;  /* bit w (0 = Sunday) */
	bool any_day, any_weekday; /* the day fields as written: `*` */
};

/* Parses expr; errors name the field and what was expected. A schedule that can never fire
 * (the 31st of February) is an error too. */
int cron_parse(struct cron *c, const char *expr);

/* The first firing strictly after after_ms (UTC), in zone z; -1 when none within 5 years. */
int64_t cron_next(const struct cron *c, const struct tz *z, int64_t after_ms);

#endif
