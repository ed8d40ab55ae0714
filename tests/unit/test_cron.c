/* Cron schedules and time zones: fields, names, steps, the day-of-month/day-of-week rule,
 * leap days, the hours daylight saving skips and repeats, and errors that name the field. */
#include "core/err.h"
#include "core/timeutil.h"
#include "core/tz.h"
#include "pipeline/cron.h"
#include "unit/test.h"

/* UTC ms of a UTC date and time. */
static int64_t at(int y, int mo, int d, int h, int mi)
{
	return days_from_civil(y, mo, d) * MS_PER_DAY + (int64_t)h * MS_PER_HOUR + (int64_t)mi * MS_PER_MIN;
}

static int64_t next(const char *expr, const struct tz *z, int64_t after)
{
	struct cron c;

	CHECK_INT(cron_parse(&c, expr), 0);
	return cron_next(&c, z, after);
}

TEST(cron_fields_and_days)
{
	struct tz utc;

	CHECK_INT(tz_load(&utc, "UTC", NULL), 0);
	CHECK(next("*/15 * * * *", &utc, at(2026, 11, 26, 10, 7)) == at(2026, 11, 26, 10, 15));
	CHECK(next("*/15 * * * *", &utc, at(2026, 11, 26, 10, 15)) == at(2026, 11, 26, 10, 30)); /* strictly after */
	CHECK(next("0 2-4/2 * * *", &utc, at(2026, 11, 26, 3, 0)) == at(2026, 11, 26, 4, 0));
	CHECK(next("30 6 * * MON-FRI", &utc, at(2026, 11, 27, 7, 0)) == at(2026, 11, 30, 6, 30)); /* Fri -> Mon */
	CHECK(next("0 0 * JAN,jul *", &utc, at(2026, 2, 1, 0, 0)) == at(2026, 7, 1, 0, 0));
	CHECK(next("0 0 * * 7", &utc, at(2026, 11, 26, 0, 0)) == at(2026, 11, 29, 0, 0)); /* 7: Sunday */
	/* both day fields restricted: either matches (the 13th, or a Friday) */
	CHECK(next("0 0 13 * FRI", &utc, at(2026, 11, 26, 0, 0)) == at(2026, 11, 27, 0, 0));
	CHECK(next("0 0 13 * FRI", &utc, at(2026, 11, 28, 0, 0)) == at(2026, 12, 4, 0, 0));
	CHECK(next("0 0 13 * *", &utc, at(2026, 11, 26, 0, 0)) == at(2026, 12, 13, 0, 0));
	/* the 29th of February, next in 2028 */
	CHECK(next("0 0 29 2 *", &utc, at(2026, 3, 1, 0, 0)) == at(2028, 2, 29, 0, 0));
	CHECK(next("@daily", &utc, at(2026, 11, 26, 0, 0)) == at(2026, 11, 27, 0, 0));
	CHECK(next("@hourly", &utc, at(2026, 11, 26, 0, 59)) == at(2026, 11, 26, 1, 0));
	CHECK(next("5/20 * * * *", &utc, at(2026, 1, 1, 0, 30)) == at(2026, 1, 1, 0, 45));
	tz_release(&utc);
}

TEST(cron_daylight_saving)
{
	struct tz ny, berlin;

	CHECK_INT(tz_load(&ny, "America/New_York", NULL), 0);
	CHECK_INT(tz_load(&berlin, "Europe/Berlin", NULL), 0);
	CHECK_INT(tz_offset(&ny, at(2026, 1, 15, 12, 0)), -5 * 3600);
	CHECK_INT(tz_offset(&ny, at(2026, 7, 15, 12, 0)), -4 * 3600);
	/* 8 March 2026, 02:00 EST -> 03:00 EDT: 02:30 never shows; it fires when the clock jumps */
	CHECK(next("30 2 * * *", &ny, at(2026, 3, 8, 5, 0)) == at(2026, 3, 8, 7, 0));
	CHECK(next("30 2 * * *", &ny, at(2026, 3, 8, 7, 0)) == at(2026, 3, 9, 6, 30));
	CHECK(next("0 9 * * *", &ny, at(2026, 3, 7, 15, 0)) == at(2026, 3, 8, 13, 0)); /* 09:00 EDT */
	/* 1 November 2026, 02:00 EDT -> 01:00 EST: 01:30 shows twice and fires once */
	int64_t first = next("30 1 * * *", &ny, at(2026, 11, 1, 4, 0));
	CHECK(first == at(2026, 11, 1, 5, 30));
	CHECK(next("30 1 * * *", &ny, first) == at(2026, 11, 2, 6, 30));
	/* every 15 minutes through the repeated hour: after 01:45 EDT comes 02:00 EST */
	CHECK(next("*/15 * * * *", &ny, at(2026, 11, 1, 5, 45)) == at(2026, 11, 1, 7, 0));
	/* Berlin: 29 March 2026 02:00 CET -> 03:00 CEST */
	CHECK(next("15 2 * * *", &berlin, at(2026, 3, 28, 23, 0)) == at(2026, 3, 29, 1, 0));
	CHECK(next("0 0 * * *", &berlin, at(2026, 6, 1, 0, 0)) == at(2026, 6, 1, 22, 0)); /* CEST midnight */
	tz_release(&ny);
	tz_release(&berlin);
}

TEST(cron_errors_name_the_field)
{
	struct cron c;
	struct tz z;

	CHECK_INT(cron_parse(&c, "61 * * * *"), PP_EINVAL);
	CHECK_CONTAINS(pp_errmsg(), "cron minute: 61-61 is not within 0-59");
	CHECK_INT(cron_parse(&c, "* * * *"), PP_EINVAL);
	CHECK_CONTAINS(pp_errmsg(), "expected five fields");
	CHECK_INT(cron_parse(&c, "* * * * * *"), PP_EINVAL);
	CHECK_CONTAINS(pp_errmsg(), "more than five fields");
	CHECK_INT(cron_parse(&c, "*/0 * * * *"), PP_EINVAL);
	CHECK_CONTAINS(pp_errmsg(), "a step is a number above 0");
	CHECK_INT(cron_parse(&c, "0 5-1 * * *"), PP_EINVAL);
	CHECK_CONTAINS(pp_errmsg(), "cron hour");
	CHECK_INT(cron_parse(&c, "0 0 * FOO *"), PP_EINVAL);
	CHECK_CONTAINS(pp_errmsg(), "cron month: expected a number, a name or *");
	CHECK_INT(cron_parse(&c, "0 0 31 2 *"), PP_EINVAL);
	CHECK_CONTAINS(pp_errmsg(), "never fires");
	CHECK_INT(cron_parse(&c, "@sometimes"), PP_EINVAL);
	CHECK_INT(cron_parse(&c, "1,,2 * * * *"), PP_EINVAL);
	CHECK_INT(tz_load(&z, "Mars/Olympus", NULL), PP_EINVAL);
	CHECK_CONTAINS(pp_errmsg(), "time zone 'Mars/Olympus': no such zone");
	CHECK_INT(tz_load(&z, "../etc/passwd", NULL), PP_EINVAL);
}
