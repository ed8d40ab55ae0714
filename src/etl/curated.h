/*
 * curated.h - the curated tables' commits: per-date files replace their dates'
 * partitions of a Delta table partitioned by event_date, or one file replaces a whole
 * unpartitioned table; either creates the table the first time.
 * The files are encoded by the ETL's writer threads (funnel.h, sessions.h).
 */
#ifndef PP_CURATED_H
#define PP_CURATED_H

#include "core/buf.h"
#include "lake/lake_fs.h"
#include "lake/parquet/parquet.h"

struct delta_stored;

struct curated_part {
	const char *date;
	const struct buf *file;             /* its bytes, stored by the commit; or */
	const struct delta_stored *stored;  /* stored already (delta_store_parquet) */
	int64_t records;
};

/* Replaces the partitions of parts' dates (creating the table if needed). */
int curated_commit(struct lake_fs *fs, const char *table, const struct pq_column_def *cols,
		   size_t ncols, const struct curated_part *parts, size_t n);

/* Replaces every partition and the schema of a table partitioned by event_date (creating
 * it if needed): tables rebuilt whole whose columns may change (training sets). */
int curated_rewrite(struct lake_fs *fs, const char *table, const struct pq_column_def *cols,
		    size_t ncols, const struct curated_part *parts, size_t n);

/* Replaces the whole of an unpartitioned table with one file (creating it if needed):
 * the small tables rebuilt whole on each run (dimensions, item_item). */
int curated_replace(struct lake_fs *fs, const char *table, const struct pq_column_def *cols,
		    size_t ncols, const struct buf *file, int64_t records);

/* Puts one row's cells (pq_put_*; the caller ends the row). */
typedef int (*curated_put_fn)(struct pq_writer *w, const void *row, void *ctx);

/*
 * Encodes n records (stride bytes apart) as one Parquet file, in `order`, or when that
 * is NULL in the order of the string at key_field (str_order). *nrows gets n.
 */
int curated_encode(const void *rows, size_t n, size_t stride, size_t key_field, const size_t *order,
		   const struct pq_column_def *cols, size_t ncols, curated_put_fn put, void *ctx,
		   struct buf *out, int64_t *nrows);

#endif
