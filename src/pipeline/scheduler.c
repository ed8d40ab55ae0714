/* Due firings and their intervals (scheduler.h). */
#include "pipeline/scheduler.h"
#include "core/timeutil.h"

int64_t cron_prev(const struct cron *c, const struct tz *z, int64_t at)
{
	/* a window before at wide enough to hold a firing, doubled until it does, then walked
	 * forward to the last firing in it */
	for (int64_t span = MS_PER_HOUR; span <= 6 * 366 * MS_PER_DAY; span *= 2) {
		int64_t f = cron_next(c, z, at - span - 1), next;
		if (f < 0 || f >= at)
			continue;
		while ((next = cron_next(c, z, f)) > 0 && next < at)
			f = next;
		return f;
	}
	return -1;
}

size_t schedule_due(const struct cron *c, const struct tz *z, int64_t last, int64_t now, bool catchup,
		    int64_t *due, size_t max)
{
	size_t n = 0;
	int64_t f;

	if (!max)
		return 0;
	if (last < 0 || !catchup) {
		/* the newest firing at or before now, if it comes after last */
		f = cron_prev(c, z, now + 1);
		if (f >= 0 && f > last)
			due[n++] = f;
		return n;
	}
	for (f = cron_next(c, z, last); f > 0 && f <= now && n < max; f = cron_next(c, z, f))
		due[n++] = f;
	return n;
}
