#include "etl/dim_date.h"
#include "etl/curated.h"
#include "core/err.h"
#include "core/mem.h"
#include "core/parse.h"
#include "core/timeutil.h"
#include "lake/delta/delta.h"

static const struct pq_column_def date_cols[] = {
	{ "date", PQ_DATE, false, false },
	{ "year", PQ_INT32, false, false },
	{ "quarter", PQ_INT32, false, false },
	{ "month", PQ_INT32, false, false },
	{ "day", PQ_INT32, false, false },
	{ "day_of_year", PQ_INT32, false, false },
	{ "iso_year", PQ_INT32, false, false },
	{ "iso_week", PQ_INT32, false, false },
	{ "iso_weekday", PQ_INT32, false, false }, /* 1 Monday .. 7 Sunday */
	{ "weekend", PQ_BOOLEAN, false, false },
};

static bool leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* ISO weekday (1 Monday .. 7 Sunday) of a day number. */
static int iso_weekday(int64_t days)
{
	return (int)((days % 7 + 7 + 3) % 7) + 1; /* 1970-01-01 was a Thursday */
}

static int iso_weeks_in(int y)
{
	int jan1 = iso_weekday(days_from_civil(y, 1, 1));

	return jan1 == 4 || (jan1 == 3 && leap(y)) ? 53 : 52;
}

int date_row_of(const char *date, struct date_row *r)
{
	int64_t y, m, d;
	static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	if (strlen(date) != 10 || date[4] != '-' || date[7] != '-' || parse_int64(date, 4, &y) ||
	    parse_int64(date + 5, 2, &m) || parse_int64(date + 8, 2, &d) || m < 1 || m > 12 ||
	    d < 1 || d > mdays[m - 1] + (m == 2 && leap((int)y)))
		return pp_error(PP_EINVAL, "'%s' is not a date (YYYY-MM-DD)", date);
	memset(r, 0, sizeof(*r));
	r->year = (int)y;
	r->month = (int)m;
	r->day = (int)d;
	r->quarter = (r->month - 1) / 3 + 1;
	r->days = days_from_civil(r->year, r->month, r->day);
	r->day_of_year = (int)(r->days - days_from_civil(r->year, 1, 1)) + 1;
	r->iso_weekday = iso_weekday(r->days);
	r->weekend = r->iso_weekday >= 6;
	r->iso_year = r->year;
	r->iso_week = (r->day_of_year - r->iso_weekday + 10) / 7;
	if (r->iso_week < 1) {
		r->iso_year--;
		r->iso_week = iso_weeks_in(r->iso_year);
	} else if (r->iso_week > iso_weeks_in(r->year)) {
		r->iso_year++;
		r->iso_week = 1;
	}
	return 0;
}

static int by_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The table's one file: the distinct dates of the snapshot, in order. */
static int encode_dates(const struct delta_snapshot *events, struct buf *out, int64_t *rows)
{
	const char **dates = pp_calloc(events->nfiles ? events->nfiles : 1, sizeof(*dates));
	struct pq_writer_opts o;
	struct pq_writer *w;
	size_t i, n = 0;
	int rc;

	if (!dates)
		return PP_ENOMEM;
	for (i = 0; i < events->nfiles; i++)
		if (events->files[i].pvalues[0])
			dates[n++] = events->files[i].pvalues[0];
	qsort(dates, n, sizeof(*dates), by_str);
	pq_writer_opts_default(&o);
	if ((rc = pq_writer_open(&w, date_cols, ARRAY_SIZE(date_cols), &o)))
		goto out;
	*rows = 0;
	for (i = 0; i < n && !rc; i++) {
		struct date_row r;
		if (i && !strcmp(dates[i], dates[i - 1]))
			continue;
		if ((rc = date_row_of(dates[i], &r)))
			break;
		pq_put_i32(w, (int32_t)r.days);
		pq_put_i32(w, r.year);
		pq_put_i32(w, r.quarter);
		pq_put_i32(w, r.month);
		pq_put_i32(w, r.day);
		pq_put_i32(w, r.day_of_year);
		pq_put_i32(w, r.iso_year);
		pq_put_i32(w, r.iso_week);
		pq_put_i32(w, r.iso_weekday);
		pq_put_bool(w, r.weekend);
		rc = pq_end_row(w);
		(*rows)++;
	}
	if (rc)
		pq_writer_abort(w);
	else
		rc = pq_writer_finish(w, out);
out:
	pp_free(dates);
	return rc;
}

int dim_date_commit(struct lake_fs *fs, const char *events_table)
{
	struct delta_snapshot events;
	struct buf file = BUF_INIT;
	int64_t rows = 0;
	int rc;

	if ((rc = delta_snapshot_load(fs, events_table, -1, &events)))
		return rc;
	rc = encode_dates(&events, &file, &rows);
	delta_snapshot_release(&events);
	if (!rc)
		rc = curated_replace(fs, DIM_DATE_TABLE, date_cols, ARRAY_SIZE(date_cols), &file, rows);
	buf_release(&file);
	return rc;
}
