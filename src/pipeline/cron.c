/* Five-field cron schedules in a time zone (cron.h). */
#include "pipeline/cron.h"
#include "core/err.h"
#include "core/timeutil.h"

#include <ctype.h>
#include <strings.h>

struct field {
	const char *name;
	int lo, hi;
	const char *const *names; /* 3-letter names from lo, or NULL */
};

static const char *const month_names[] = { "jan", "feb", "mar", "apr", "may", "jun",
					   "jul", "aug", "sep", "oct", "nov", "dec", NULL };
static const char *const day_names[] = { "sun", "mon", "tue", "wed", "thu", "fri", "sat", NULL };

static const struct field fields[5] = {
	{ "minute", 0, 59, NULL },
	{ "hour", 0, 23, NULL },
	{ "day of month", 1, 31, NULL },
	{ "month", 1, 12, month_names },
	{ "day of week", 0, 7, day_names },
};

/* A number or a name at *p; -1 when neither. */
static int value(const struct field *f, const char **p)
{
	if (isdigit((unsigned char)**p)) {
		int v = 0;
		while (isdigit((unsigned char)**p) && v < 1000)
			v = v * 10 + (*(*p)++ - '0');
		return v;
	}
	for (int i = 0; f->names && f->names[i]; i++)
		if (!strncasecmp(*p, f->names[i], 3)) {
			*p += 3;
			return f->lo + i;
		}
	return -1;
}

/* One field's text (len bytes) into bits. */
static int parse_field(const struct field *f, const char *text, size_t len, uint64_t *bits)
{
	char buf[128];
	const char *p;

	if (len >= sizeof(buf))
		return pp_error(PP_EINVAL, "cron %s: too long", f->name);
	memcpy(buf, text, len);
	buf[len] = 0;
	*bits = 0;
	for (p = buf; *p;) {
		int a, b, step = 1;
		if (*p == '*') {
			a = f->lo;
			b = f->hi;
			p++;
		} else {
			if ((a = value(f, &p)) < 0)
				return pp_error(PP_EINVAL, "cron %s: expected a number%s or *, got '%s'", f->name,
						f->names ? ", a name" : "", buf);
			b = a;
			if (*p == '-') {
				p++;
				if ((b = value(f, &p)) < 0)
					return pp_error(PP_EINVAL, "cron %s: a range needs its end, in '%s'", f->name, buf);
			}
		}
		if (*p == '/') {
			p++;
			if (!isdigit((unsigned char)*p) || (step = value(f, &p)) <= 0)
				return pp_error(PP_EINVAL, "cron %s: a step is a number above 0, in '%s'", f->name, buf);
			if (a == b)
				b = f->hi; /* 5/15: from 5 on */
		}
		if (a < f->lo || b > f->hi || a > b)
			return pp_error(PP_EINVAL, "cron %s: %d-%d is not within %d-%d (or runs backwards), in '%s'",
					f->name, a, b, f->lo, f->hi, buf);
		for (int v = a; v <= b; v += step)
			*bits |= 1ull << v;
		if (*p == ',' && p[1])
			p++;
		else if (*p)
			return pp_error(PP_EINVAL, "cron %s: unexpected '%c' in '%s'", f->name, *p, buf);
	}
	return 0;
}

int cron_parse(struct cron *c, const char *expr)
{
	static const struct { const char *name, *expr; } macros[] = {
		{ "@yearly", "0 0 1 1 *" }, { "@annually", "0 0 1 1 *" }, { "@monthly", "0 0 1 * *" },
		{ "@weekly", "0 0 * * 0" }, { "@daily", "0 0 * * *" }, { "@midnight", "0 0 * * *" },
		{ "@hourly", "0 * * * *" },
	};
	const char *p = expr ? expr : "", *start[5];
	size_t len[5], n = 0;
	uint64_t bits[5];
	int rc;

	memset(c, 0, sizeof(*c));
	while (isspace((unsigned char)*p))
		p++;
	if (*p == '@') {
		for (size_t i = 0; i < ARRAY_SIZE(macros); i++)
			if (!strcmp(p, macros[i].name))
				return cron_parse(c, macros[i].expr);
		return pp_error(PP_EINVAL, "cron: '%s' is not one of @yearly, @monthly, @weekly, @daily, @hourly", p);
	}
	while (*p) {
		if (n == 5)
			return pp_error(PP_EINVAL, "cron '%s': more than five fields", expr);
		start[n] = p;
		while (*p && !isspace((unsigned char)*p))
			p++;
		len[n] = (size_t)(p - start[n]);
		n++;
		while (isspace((unsigned char)*p))
			p++;
	}
	if (n != 5)
		return pp_error(PP_EINVAL, "cron '%s': expected five fields (minute hour day-of-month month "
				"day-of-week), got %zu", expr ? expr : "", n);
	for (int i = 0; i < 5; i++)
		if ((rc = parse_field(&fields[i], start[i], len[i], &bits[i])))
			return rc;
	c->minutes = bits[0];
	c->hours = (uint32_t)bits[1];
	c->days = (uint32_t)bits[2];
	c->months = (uint16_t)bits[3];
	c->weekdays = (uint8_t)((bits[4] | (bits[4] >> 7)) & 0x7f); /* 7 is Sunday */
	c->any_day = start[2][0] == '*';
	c->any_weekday = start[4][0] == '*';
	struct tz utc = { .name = "UTC" };
	if (cron_next(c, &utc, days_from_civil(2024, 1, 1) * MS_PER_DAY) < 0)
		return pp_error(PP_EINVAL, "cron '%s' never fires (no such day in those months)", expr);
	return 0;
}

static bool day_matches(const struct cron *c, const struct civil *t)
{
	bool dom = c->days >> t->day & 1, dow = c->weekdays >> t->wday & 1;

	if (c->any_day && c->any_weekday)
		return true;
	if (c->any_day)
		return dow;
	if (c->any_weekday)
		return dom;
	return dom || dow;
}

/* The UTC instant the zone's clock shows `wall` (ms): the earlier of two in a repeated
 * hour; for a time the clock skips, the moment it jumps. */
static int64_t wall_to_utc(const struct tz *z, int64_t wall)
{
	int32_t before = tz_offset(z, wall - MS_PER_DAY / 2), after = tz_offset(z, wall + MS_PER_DAY / 2);
	int64_t ub = wall - (int64_t)before * 1000, ua = wall - (int64_t)after * 1000, best = INT64_MAX;

	if (tz_offset(z, ub) == before)
		best = ub;
	if (tz_offset(z, ua) == after && ua < best)
		best = ua;
	if (best != INT64_MAX)
		return best;
	/* skipped: the transition between ub and ua is where the clock jumps past wall */
	int64_t lo = ub < ua ? ub : ua, hi = ub < ua ? ua : ub;
	while (hi - lo > 1000) { /* the first second with the new offset */
		int64_t mid = lo + (hi - lo) / 2;
		if (tz_offset(z, mid) == tz_offset(z, hi))
			hi = mid;
		else
			lo = mid;
	}
	return hi - hi % 1000;
}

int64_t cron_next(const struct cron *c, const struct tz *z, int64_t after_ms)
{
	int64_t start = floor_div(after_ms, MS_PER_MIN) * MS_PER_MIN + MS_PER_MIN;
	int64_t wall = start + (int64_t)tz_offset(z, start) * 1000, limit;

	wall = floor_div(wall, MS_PER_MIN) * MS_PER_MIN; /* offsets of old may hold seconds */
	limit = wall + 5 * 366 * MS_PER_DAY;
	while (wall < limit) {
		struct civil t;
		civil_from_ms(wall, &t);
		if (!(c->months >> t.month & 1)) { /* the first of the next month */
			int y = t.month == 12 ? t.year + 1 : t.year, m = t.month == 12 ? 1 : t.month + 1;
			wall = days_from_civil(y, m, 1) * MS_PER_DAY;
			continue;
		}
		int64_t day = floor_div(wall, MS_PER_DAY) * MS_PER_DAY;
		if (!day_matches(c, &t)) {
			wall = day + MS_PER_DAY;
			continue;
		}
		if (!(c->hours >> t.hour & 1)) {
			wall = day + (int64_t)(t.hour + 1) * MS_PER_HOUR;
			continue;
		}
		if (!(c->minutes >> t.min & 1)) {
			wall = day + (int64_t)t.hour * MS_PER_HOUR + (int64_t)(t.min + 1) * MS_PER_MIN;
			continue;
		}
		int64_t u = wall_to_utc(z, wall);
		if (u > after_ms)
			return u;
		wall += MS_PER_MIN; /* shown before, in the repeated hour: once is enough */
	}
	return -1;
}
