/* Which firings are due and the interval each covers: the firing before, catchup or the
 * newest only, a first look with no run before, a daylight saving change on the way. */
#include "core/timeutil.h"
#include "core/tz.h"
#include "pipeline/scheduler.h"
#include "unit/test.h"

static int64_t at(int y, int mo, int d, int h, int mi)
{
	return days_from_civil(y, mo, d) * MS_PER_DAY + (int64_t)h * MS_PER_HOUR + (int64_t)mi * MS_PER_MIN;
}

TEST(scheduler_prev_firing)
{
	struct tz utc, ny;
	struct cron c;

	CHECK_INT(tz_load(&utc, "UTC", NULL), 0);
	CHECK_INT(tz_load(&ny, "America/New_York", NULL), 0);
	CHECK_INT(cron_parse(&c, "*/10 * * * *"), 0);
	CHECK(cron_prev(&c, &utc, at(2026, 4, 1, 10, 5)) == at(2026, 4, 1, 10, 0));
	CHECK(cron_prev(&c, &utc, at(2026, 4, 1, 10, 0)) == at(2026, 4, 1, 9, 50)); /* strictly before */
	CHECK_INT(cron_parse(&c, "0 3 * * *"), 0);
	CHECK(cron_prev(&c, &utc, at(2026, 4, 1, 2, 0)) == at(2026, 3, 31, 3, 0));
	/* 03:00 in New York: EST (UTC-5) before the 8th of March 2026, EDT (UTC-4) after */
	CHECK(cron_prev(&c, &ny, at(2026, 3, 9, 8, 0)) == at(2026, 3, 9, 7, 0));
	CHECK(cron_prev(&c, &ny, at(2026, 3, 9, 7, 0)) == at(2026, 3, 8, 7, 0));
	CHECK(cron_prev(&c, &ny, at(2026, 3, 8, 7, 0)) == at(2026, 3, 7, 8, 0));
	CHECK_INT(cron_parse(&c, "0 0 1 1 *"), 0); /* far apart: a year back */
	CHECK(cron_prev(&c, &utc, at(2026, 11, 26, 0, 0)) == at(2026, 1, 1, 0, 0));
	tz_release(&ny);
	tz_release(&utc);
}

TEST(scheduler_due_firings)
{
	struct tz utc;
	struct cron c;
	int64_t due[8];

	CHECK_INT(tz_load(&utc, "UTC", NULL), 0);
	CHECK_INT(cron_parse(&c, "*/10 * * * *"), 0);
	/* no run before: the newest firing only, catchup or not */
	CHECK_INT(schedule_due(&c, &utc, -1, at(2026, 4, 1, 10, 45), true, due, 8), 1);
	CHECK(due[0] == at(2026, 4, 1, 10, 40));
	/* a firing at now is due */
	CHECK_INT(schedule_due(&c, &utc, -1, at(2026, 4, 1, 10, 40), false, due, 8), 1);
	CHECK(due[0] == at(2026, 4, 1, 10, 40));
	/* catchup: every firing after the last, oldest first, at most max */
	CHECK_INT(schedule_due(&c, &utc, at(2026, 4, 1, 10, 0), at(2026, 4, 1, 10, 45), true, due, 8), 4);
	CHECK(due[0] == at(2026, 4, 1, 10, 10) && due[3] == at(2026, 4, 1, 10, 40));
	CHECK_INT(schedule_due(&c, &utc, at(2026, 4, 1, 10, 0), at(2026, 4, 1, 10, 45), true, due, 2), 2);
	CHECK(due[1] == at(2026, 4, 1, 10, 20));
	/* without catchup: the newest */
	CHECK_INT(schedule_due(&c, &utc, at(2026, 4, 1, 10, 0), at(2026, 4, 1, 10, 45), false, due, 8), 1);
	CHECK(due[0] == at(2026, 4, 1, 10, 40));
	/* nothing new since the last */
	CHECK_INT(schedule_due(&c, &utc, at(2026, 4, 1, 10, 40), at(2026, 4, 1, 10, 45), true, due, 8), 0);
	CHECK_INT(schedule_due(&c, &utc, at(2026, 4, 1, 10, 40), at(2026, 4, 1, 10, 45), false, due, 8), 0);
	CHECK_INT(schedule_due(&c, &utc, -1, at(2026, 4, 1, 10, 45), true, due, 0), 0);
	tz_release(&utc);
}
