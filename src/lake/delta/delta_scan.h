/*
 * delta_scan.h - reading a Delta table's rows batch by batch: the files of a snapshot in
 * log order, each row group of each file decoded for the columns asked for by name.
 *
 *   struct delta_scan s;
 *   if (delta_scan_open(&s, fs, "curated/dim_item", -1, names, n)) ...
 *   while (!(rc = delta_scan_next(&s)) && s.rows) ... s.v[c].valid[r], s.file->pvalues ...
 *   delta_scan_close(&s);
 *
 * A column a file lacks reads as all nulls (s.col[c] is then NULL for that batch); the
 * partition columns are not in the files: their values are s.file->pvalues. A new file
 * starts when s.file changes. With `want` set, files it refuses are not read at all.
 */
#ifndef PP_DELTA_SCAN_H
#define PP_DELTA_SCAN_H

#include "lake/delta/delta.h"

struct delta_scan {
	struct lake_fs *fs;
	const char *table;
	const struct delta_snapshot *snap; /* &own, or the caller's */
	struct delta_snapshot own;
	const char *const *names;
	size_t ncols;
	/* optional, set after opening: false skips a file */
	bool (*want)(void *ctx, const struct delta_file *f);
	void *want_ctx;
	/* where it is */
	size_t next_file, next_rg;
	bool file_open;
	struct pq_file pf;
	struct buf path, data;
	int *ix; /* per asked column, its index in the open file, -1 if absent */
	/* the current batch */
	const struct delta_file *file;
	const struct pq_col_info **col; /* per asked column; NULL: absent from this file */
	struct pq_vector *v;
	size_t rows; /* 0 after the last batch */
};

/* Loads the table at `version` (-1: latest) and scans it. PP_ENOENT: no such table or
 * version. */
int delta_scan_open(struct delta_scan *s, struct lake_fs *fs, const char *table, int64_t version,
		    const char *const *names, size_t ncols);
/* Scans a snapshot the caller loaded and keeps until delta_scan_close. */
int delta_scan_begin(struct delta_scan *s, struct lake_fs *fs, const char *table,
		     const struct delta_snapshot *snap, const char *const *names, size_t ncols);
/* The next batch; s->rows is 0 at the end. Errors name the file. */
int delta_scan_next(struct delta_scan *s);
void delta_scan_close(struct delta_scan *s);

/* A `want` for tables partitioned by date first: the files whose first partition value
 * lies in [from, to] (dates, "YYYY-MM-DD"; an empty end is open). ctx: the range. */
struct delta_dates {
	char from[11], to[11];
};
bool delta_file_in_dates(void *ctx, const struct delta_file *f);

#endif
