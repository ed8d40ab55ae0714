/*
 * dim_date.h - the curated/dim_date Delta table: one row per date that processed/events
 * holds, with its calendar attributes (year, quarter, month, ISO week and weekday, day
 * of year, weekend). Small: rewritten whole (one file) by each ETL run that changes
 * dates (see docs/internals/etl.md).
 */
#ifndef PP_DIM_DATE_H
#define PP_DIM_DATE_H

#include "core/buf.h"
#include "lake/lake_fs.h"

#define DIM_DATE_TABLE "curated/dim_date"

/* One date's row fields; date is "YYYY-MM-DD". Returns PP_EINVAL for a malformed date. */
struct date_row {
	int64_t days; /* since 1970-01-01 */
	int year, quarter, month, day, day_of_year, iso_year, iso_week, iso_weekday;
	bool weekend;
};
int date_row_of(const char *date, struct date_row *out);

/* Rewrites the table from the dates processed/events holds now. */
int dim_date_commit(struct lake_fs *fs, const char *events_table);

#endif
