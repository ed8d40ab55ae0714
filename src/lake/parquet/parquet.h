/*
 * parquet.h - writing Apache Parquet files (see docs/internals/parquet.md).
 *
 * Flat schemas of required and optional columns: BOOLEAN, INT32, INT64, DOUBLE, UTF8
 * strings, DATE and TIMESTAMP(millis, UTC). Each row group holds one data page (v1) per
 * column, PLAIN encoded or, where asked, dictionary encoded (falling back to PLAIN when
 * the dictionary grows large or stops paying), compressed with ZSTD or not at all, with min/max/null-
 * count statistics. The file is built in memory; pq_writer_finish hands over its bytes
 * for an atomic put into the lake.
 *
 * Values are appended row by row: one pq_put_* (or pq_put_null) per column, in column
 * order, then pq_end_row; or many rows at once, column by column (pq_put_columns).
 */
#ifndef PP_PARQUET_H
#define PP_PARQUET_H

#include "core/buf.h"
#include "core/common.h"

enum pq_type { PQ_BOOLEAN, PQ_INT32, PQ_INT64, PQ_DOUBLE, PQ_STRING, PQ_DATE, PQ_TIMESTAMP_MS };

enum pq_codec { PQ_UNCOMPRESSED = 0, PQ_ZSTD = 6 };

struct pq_column_def {
	const char *name;
	enum pq_type type;
	bool optional;
	bool dictionary; /* dictionary encoding (not for booleans): while it pays, see the writer */
};

struct pq_writer_opts {
	enum pq_codec codec;
	int zstd_level;
	size_t row_group_rows;
	const char *created_by;
};

struct pq_writer;

void pq_writer_opts_default(struct pq_writer_opts *o);
int pq_writer_open(struct pq_writer **out, const struct pq_column_def *cols, size_t ncols,
		   const struct pq_writer_opts *o);

int pq_put_bool(struct pq_writer *w, bool v);
int pq_put_i32(struct pq_writer *w, int32_t v);   /* INT32 and DATE (days since epoch) */
int pq_put_i64(struct pq_writer *w, int64_t v);   /* INT64 and TIMESTAMP_MS */
int pq_put_double(struct pq_writer *w, double v);
int pq_put_str(struct pq_writer *w, const char *p, size_t n);
int pq_put_null(struct pq_writer *w);             /* optional columns only */
int pq_put_opt_str(struct pq_writer *w, const char *s); /* NUL-terminated, or NULL: null */
int pq_end_row(struct pq_writer *w);

/*
 * Rows given column by column: per column (in order) nrows values in an array of its
 * type (bool, int32_t for INT32 and DATE, int64_t for INT64 and TIMESTAMP_MS, double,
 * struct span for strings), null where valid (if given) says 0, or a string's p is NULL,
 * or with nan_is_null a double is NaN. Between whole rows only; mixes with row puts.
 */
struct pq_values {
	const void *v;
	const uint8_t *valid;
	bool nan_is_null;
	const uint32_t *ids; /* strings, optional: the caller's number for each (equal strings,
			      * equal numbers), so the dictionary need not hash the strings */
};
int pq_put_columns(struct pq_writer *w, const struct pq_values *cols, size_t nrows);

/* Completes the file into out (appended). The writer is freed either way. */
int pq_writer_finish(struct pq_writer *w, struct buf *out);
void pq_writer_abort(struct pq_writer *w);

uint64_t pq_writer_rows(const struct pq_writer *w);

/* ---- reading ---------------------------------------------------------------------- */

struct pq_stat {
	bool has_minmax;
	unsigned char min[8], max[8]; /* numbers, PLAIN little-endian */
	const unsigned char *smin, *smax; /* strings: into the file's bytes */
	size_t smin_len, smax_len;
	int64_t nulls; /* -1 when not recorded */
};

struct pq_chunk_info {
	int codec;
	int64_t start;       /* first page: the dictionary page if any */
	int64_t size;        /* compressed bytes of the chunk */
	int64_t num_values;
	struct pq_stat stat;
};

struct pq_rg_info {
	int64_t rows;
	struct pq_chunk_info *chunks; /* one per column */
};

struct pq_col_info {
	char *name;
	enum pq_type type;
	int physical;  /* Parquet physical type */
	int time_unit; /* TIMESTAMP columns: 1000 (ms), 1000000 (us), 1000000000 (ns) per second */
	bool optional;
};

/* A parsed file; `data` is borrowed and must outlive it. */
struct pq_file {
	const unsigned char *data;
	size_t len;
	struct pq_col_info *cols;
	size_t ncols;
	struct pq_rg_info *rgs;
	size_t nrgs;
	int64_t rows;
};

/* One column chunk decoded: values[i] valid when valid[i]. */
struct pq_vector {
	size_t n;
	uint8_t *valid;
	int64_t *i;           /* BOOLEAN (0/1), INT32, INT64, DATE, TIMESTAMP (as stored) */
	double *d;            /* DOUBLE and FLOAT */
	struct span *s;       /* strings, pointing into `strings` or into the file */
	struct buf strings;
};

/* Checks the magic and parses the footer. Errors name what is wrong. */
int pq_file_open(struct pq_file *f, const void *data, size_t len);
void pq_file_release(struct pq_file *f);

int pq_column_index(const struct pq_file *f, const char *name);

/* Decodes column `col` of row group `rg`. */
int pq_read_column(const struct pq_file *f, size_t rg, size_t col, struct pq_vector *out);
void pq_vector_release(struct pq_vector *v);

#endif
