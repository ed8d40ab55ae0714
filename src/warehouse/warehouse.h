/*
 * warehouse.h - the SQL warehouse the curated tables are loaded into: SQLite by default
 * (a file under the lake), PostgreSQL (or Redshift) when warehouse.url is a postgresql://
 * URL (see docs/internals/warehouse.md).
 *
 * A backend is a vtable. The loader (warehouse_load) is written once against it: the same
 * DDL on both, each table replaced in one transaction (drop, create, bulk load, record the
 * Delta version loaded), so a reader sees the old table or the new one, never half. Query
 * results come back as text in one canonical form whatever the backend (integers,
 * shortest round-trip doubles, true/false, 'YYYY-MM-DD', 'YYYY-MM-DD HH:MM:SS.mmm'), so
 * the same query prints the same on SQLite and PostgreSQL.
 */
#ifndef PP_WAREHOUSE_H
#define PP_WAREHOUSE_H

#include "core/buf.h"
#include "core/config.h"
#include "core/tabular.h"
#include "lake/delta/delta_rows.h"
#include "lake/lake_fs.h"

/* Cells and columns are the lake's (lake/delta/delta_rows.h): a load is a table's rows. */

/* A query's result, a row at a time: names and kinds first, then cells (NULL: null). */
struct wh_sink {
	int (*columns)(void *ctx, size_t n, const char *const *names, const enum tab_kind *kinds);
	int (*row)(void *ctx, size_t n, const char *const *cells, const size_t *lens);
	void *ctx;
};

/*
 * A query's result on its way to a sink, for the backends: name the columns, then per
 * row append each cell's canonical text (or mark it null) and end the row.
 */
struct wh_result {
	const struct wh_sink *sink;
	size_t n, col;
	const char **names, **ptrs;
	enum tab_kind *kinds;
	size_t *offs, *lens; /* offs[c] SIZE_MAX: null */
	struct buf cells;
};

int wh_result_begin(struct wh_result *r, const struct wh_sink *sink, size_t ncols);
/* After every column is named (names[c], kinds[c]): the sink learns them. */
int wh_result_columns(struct wh_result *r);
/* The buffer the next cell's text is appended to. */
struct buf *wh_result_cell(struct wh_result *r);
void wh_result_null(struct wh_result *r);
int wh_result_end_row(struct wh_result *r);
void wh_result_release(struct wh_result *r);

struct warehouse;

struct warehouse_ops {
	const char *name; /* "sqlite", "postgresql" */
	/* Statements without results: DDL, BEGIN, COMMIT. */
	int (*exec)(struct warehouse *w, const char *sql);
	/* Bulk load into an existing empty table, inside the caller's transaction; load_end
	 * follows every load_begin, even after a failure (then it only cleans up). */
	int (*load_begin)(struct warehouse *w, const char *table, const struct table_column *cols,
			  size_t ncols);
	/* The row's strings stay valid until the next load_flush or load_end (a backend may
	 * keep pointers to them instead of copying). */
	int (*load_row)(struct warehouse *w, const struct cell *row);
	/* The rows given so far are about to die: use or copy them now. */
	int (*load_flush)(struct warehouse *w);
	int (*load_end)(struct warehouse *w);
	int (*query)(struct warehouse *w, const char *sql, const struct wh_sink *sink);
	void (*close)(struct warehouse *w);
};

struct warehouse {
	const struct warehouse_ops *ops;
	char *where; /* the file or the server, for messages (no password) */
};

/* A sink that writes a query's rows into a table printer (core/tabular.h). */
struct wh_sink wh_sink_tab(struct tab *t);

/* Opens the warehouse of cfg->warehouse_url (sqlite: paths are relative to lake.root). */
int warehouse_open(struct warehouse **out, const struct config *cfg);
void warehouse_close(struct warehouse *w);

int warehouse_sqlite_open(struct warehouse **out, const char *path);
int warehouse_postgres_open(struct warehouse **out, const char *url);

/* The canonical text of a double, a date (days) and a timestamp (ms). */
int wh_format_double(struct buf *out, double v);
void wh_format_date(int64_t days, char out[16]);
void wh_format_timestamp(int64_t ms, char out[32]);
/* The type's name in the DDL both backends take. */
const char *wh_type_sql(enum cell_type t);
/* "name" with any '"' doubled. */
int wh_quote_ident(struct buf *out, const char *name);

struct warehouse_load_stats {
	int tables_loaded, tables_current;
	int64_t rows;
};

/* The curated tables the warehouse holds, by their names there (curated/<name>). */
extern const char *const warehouse_tables[];
extern const size_t warehouse_ntables;

/*
 * Loads curated tables (names from warehouse_tables; NULL: all) whose Delta version
 * differs from the one the warehouse last loaded (all of them with full), each replacing
 * its table in one transaction. st is added to.
 */
int warehouse_load(struct warehouse *w, struct lake_fs *fs, const char *const *tables, size_t n,
		   bool full, struct warehouse_load_stats *st);

#endif
