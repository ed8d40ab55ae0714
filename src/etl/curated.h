/*
 * curated.h - the curated tables' commit: per-date files replace their dates'
 * partitions of a Delta table partitioned by event_date, creating it the first time.
 * The files are encoded by the ETL's writer threads (funnel.h, sessions.h).
 */
#ifndef PP_CURATED_H
#define PP_CURATED_H

#include "core/buf.h"
#include "lake/lake_fs.h"
#include "lake/parquet/parquet.h"

struct curated_part {
	const char *date;
	const struct buf *file;
	int64_t records;
};

int curated_commit(struct lake_fs *fs, const char *table, const struct pq_column_def *cols,
		   size_t ncols, const struct curated_part *parts, size_t n);

#endif
