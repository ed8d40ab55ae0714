/*
 * delta_rows.h - a Delta table's rows as typed cells, for the readers that work on
 * values rather than on Parquet pages (the warehouse load, the quality checks).
 *
 * The columns and their types come from the log's schema (Spark's simple types mapped to
 * six cell types); partition columns, which the files do not hold, take their file's
 * partition value. Timestamps are milliseconds whatever unit a file stores.
 *
 *   struct delta_schema sc;
 *   delta_schema_load(table, &snap, &sc);      then delta_scan_begin(.., sc.names, sc.n)
 *   per batch: delta_row_partitions(&sc, table, &scan, row);
 *              per row r: delta_row_values(&sc, &scan, r, row);
 */
#ifndef PP_DELTA_ROWS_H
#define PP_DELTA_ROWS_H

#include "lake/delta/delta_scan.h"

enum cell_type { CELL_TEXT, CELL_INT, CELL_DOUBLE, CELL_BOOL, CELL_DATE, CELL_TIMESTAMP };

/* One value: i for INT, BOOL (0/1), DATE (days since 1970) and TIMESTAMP (ms); d for
 * DOUBLE; s for TEXT (borrowed from the batch, valid until the next delta_scan_next). */
struct cell {
	bool null;
	int64_t i;
	double d;
	struct span s;
};

struct table_column {
	const char *name;
	enum cell_type type;
	bool nullable;
};

struct delta_schema {
	struct table_column *cols;
	const char **names; /* the columns' names, for delta_scan */
	int *part;          /* per column: its index among the partition columns, or -1 */
	size_t n;
	const char **spark; /* per column: its type as the log writes it */
	void *root;         /* the parsed schema the names point into */
};

/* The columns of snap's schema; errors name the table and the column. */
int delta_schema_load(const char *table, const struct delta_snapshot *snap, struct delta_schema *sc);
void delta_schema_release(struct delta_schema *sc);

/* The position of the column called name, or -1. */
int delta_schema_index(const struct delta_schema *sc, const char *name);

/* The columns of `from` named in names[0..n) (each once, in from's order) as a schema of
 * their own for a narrower scan; it borrows from's names, so `from` must outlive it.
 * A name from does not have is an error. */
int delta_schema_select(const struct delta_schema *from, const char *const *names, size_t n,
			struct delta_schema *out);

/* The partition columns' cells of the scan's current file into row[] (the other cells are
 * left alone); a value that does not parse as its column's type is an error. */
int delta_row_partitions(const struct delta_schema *sc, const char *table, const struct delta_scan *s,
			 struct cell *row);
/* The file columns' cells of row r of the scan's current batch into row[]. */
void delta_row_values(const struct delta_schema *sc, const struct delta_scan *s, size_t r,
		      struct cell *row);

/*
 * The rows of some columns of a table's latest version, as cells: the snapshot, the schema
 * narrowed to them, the scan. After each delta_reader_next (0 rows at the end),
 * delta_reader_row(r, i) puts row i in r->row, where names[k] is r->row[r->ix[k]]. A
 * `want` may be set on r->scan before the first batch.
 */
#define DELTA_READER_MAX 300 /* a training set: its keys and up to 256 features */
struct delta_reader {
	const char *table;
	struct delta_snapshot snap;
	struct delta_schema all, sc;
	struct delta_scan scan;
	bool have_snap;
	int ix[DELTA_READER_MAX];
	struct cell row[DELTA_READER_MAX];
};

/* PP_ENOENT: no such table; a missing column is an error naming table and column. */
int delta_reader_open(struct delta_reader *r, struct lake_fs *fs, const char *table,
		      const char *const *names, size_t n);
/* The same at a version (-1: the latest). */
int delta_reader_open_at(struct delta_reader *r, struct lake_fs *fs, const char *table, int64_t version,
			 const char *const *names, size_t n);
int delta_reader_next(struct delta_reader *r);
void delta_reader_row(struct delta_reader *r, size_t i);
void delta_reader_close(struct delta_reader *r);

/* "string", "long", "double", "boolean", "date", "timestamp". */
const char *cell_type_name(enum cell_type t);

#endif
