#include "core/timeutil.h"
#include "core/parse.h"
#include "core/err.h"

#include <time.h>

/* Howard Hinnant's days-from-civil: eras of 400 years make the leap rule exact. */
int64_t days_from_civil(int y, int m, int d)
{
	int64_t yy = (int64_t)y - (m <= 2);
	int64_t era = floor_div(yy, 400);
	int64_t yoe = yy - era * 400;
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

	return era * 146097 + doe - 719468;
}

void civil_from_ms(int64_t ms, struct civil *c)
{
	int64_t days = floor_div(ms, MS_PER_DAY);
	int64_t rem = ms - days * MS_PER_DAY;
	int64_t z = days + 719468;
	int64_t era = floor_div(z, 146097);
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	int64_t d = doy - (153 * mp + 2) / 5 + 1;
	int64_t m = mp < 10 ? mp + 3 : mp - 9;

	c->year = (int)(yoe + era * 400 + (m <= 2));
	c->month = (int)m;
	c->day = (int)d;
	c->hour = (int)(rem / MS_PER_HOUR);
	c->min = (int)(rem / MS_PER_MIN % 60);
	c->sec = (int)(rem / MS_PER_SEC % 60);
	c->ms = (int)(rem % MS_PER_SEC);
	c->wday = (int)((days % 7 + 11) % 7); /* 1970-01-01 was a Thursday */
}

static int days_in_month(int y, int m)
{
	static const int dim[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	return m == 2 && leap ? 29 : dim[m - 1];
}

static bool digits(const char *s, size_t n, int *out)
{
	int v = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return true;
}

int time_parse(const char *s, size_t n, int64_t *ms)
{
	int y, mo, d, h = 0, mi = 0, se = 0, frac = 0, off = 0;
	size_t i = 10;

	if (n < 10 || s[4] != '-' || s[7] != '-' || !digits(s, 4, &y) ||
	    !digits(s + 5, 2, &mo) || !digits(s + 8, 2, &d))
		return PP_EINVAL;
	if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo))
		return PP_EINVAL;
	if (n > 10) {
		if (s[10] != 'T' && s[10] != 't' && s[10] != ' ')
			return PP_EINVAL;
		if (n < 19 || s[13] != ':' || s[16] != ':' || !digits(s + 11, 2, &h) ||
		    !digits(s + 14, 2, &mi) || !digits(s + 17, 2, &se))
			return PP_EINVAL;
		/* 60 would be a leap second; Unix time has none, so reject it. */
		if (h > 23 || mi > 59 || se > 59)
			return PP_EINVAL;
		i = 19;
		if (i < n && s[i] == '.') {
			int scale = 100, nd = 0;
			i++;
			while (i < n && s[i] >= '0' && s[i] <= '9') {
				frac += (s[i] - '0') * scale;
				scale /= 10;
				i++;
				nd++;
			}
			if (nd == 0)
				return PP_EINVAL;
		}
		if (i == n) {
			/* no zone: taken as UTC, as REES46 and many logs write it */
		} else if ((s[i] == 'Z' || s[i] == 'z') && i + 1 == n) {
			i++;
		} else if (n - i == 4 && memcmp(s + i, " UTC", 4) == 0) {
			i = n;
		} else if ((s[i] == '+' || s[i] == '-') && n - i == 6 && s[i + 3] == ':') {
			int oh, om;
			if (!digits(s + i + 1, 2, &oh) || !digits(s + i + 4, 2, &om) || oh > 23 ||
			    om > 59)
				return PP_EINVAL;
			off = (oh * 60 + om) * (s[i] == '+' ? 1 : -1);
			i = n;
		} else {
			return PP_EINVAL;
		}
	}
	if (i != n)
		return PP_EINVAL;
	*ms = days_from_civil(y, mo, d) * MS_PER_DAY + h * MS_PER_HOUR + mi * MS_PER_MIN +
	      se * MS_PER_SEC + frac - (int64_t)off * MS_PER_MIN;
	return 0;
}

int time_parse_or_ms(const char *s, size_t n, int64_t *ms)
{
	return parse_int64(s, n, ms) == 0 ? 0 : time_parse(s, n, ms);
}

void time_format_rfc3339(int64_t ms, char out[32])
{
	struct civil c;

	civil_from_ms(ms, &c);
	snprintf(out, 32, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", c.year, c.month, c.day, c.hour,
		 c.min, c.sec, c.ms);
}

int64_t time_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

uint64_t time_mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}
