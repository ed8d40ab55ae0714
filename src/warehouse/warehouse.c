#include "warehouse/warehouse.h"
#include "core/err.h"
#include "core/fsutil.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/timeutil.h"
#include "lake/delta/delta_scan.h"

#include <math.h>

int warehouse_open(struct warehouse **out, const struct config *cfg)
{
	const char *url = cfg->warehouse_url;
	struct buf path = BUF_INIT;
	int rc;

	if (!strncmp(url, "postgresql://", 13) || !strncmp(url, "postgres://", 11))
		return warehouse_postgres_open(out, url);
	if (strncmp(url, "sqlite:", 7))
		return pp_error(PP_ECONFIG, "warehouse.url: expected sqlite:PATH or postgresql://..., got '%s'",
				url);
	url += 7;
	if (!*url)
		return pp_error(PP_ECONFIG, "warehouse.url: sqlite: needs a file name");
	if (*url != '/' && strstr(cfg->lake_root, "://"))
		return pp_error(PP_ECONFIG, "warehouse.url: sqlite:%s is relative to lake.root, which is "
				"not a local directory (%s): give an absolute path", url, cfg->lake_root);
	rc = *url == '/' ? buf_puts(&path, url) : buf_printf(&path, "%s/%s", cfg->lake_root, url);
	if (!rc)
		rc = warehouse_sqlite_open(out, path.data);
	buf_release(&path);
	return rc;
}

void warehouse_close(struct warehouse *w)
{
	if (w)
		w->ops->close(w);
}

/* ---- the canonical text ----------------------------------------------------------- */

int wh_format_double(struct buf *out, double v)
{
	if (isnan(v))
		return buf_puts(out, "NaN");
	if (isinf(v))
		return buf_puts(out, v > 0 ? "Infinity" : "-Infinity");
	return buf_put_double(out, v);
}

/* n digits of v, zero-padded, at p (loads format millions of these: no printf). */
static char *digits(char *p, int v, int n)
{
	for (int i = n - 1; i >= 0; i--, v /= 10)
		p[i] = (char)('0' + v % 10);
	return p + n;
}

void wh_format_date(int64_t days, char out[16])
{
	/* a load's dates span a few weeks or months: their texts are kept, by day */
	static _Thread_local struct { int64_t days; char text[11]; } seen[128];
	unsigned slot = (unsigned)days & 127;
	struct civil c;
	char *p = seen[slot].text;

	if (seen[slot].days != days || !*p) {
		civil_from_ms(days * MS_PER_DAY, &c);
		p = digits(p, c.year % 10000, 4);
		*p++ = '-';
		p = digits(p, c.month, 2);
		*p++ = '-';
		p = digits(p, c.day, 2);
		seen[slot].days = days;
	}
	memcpy(out, seen[slot].text, 10);
	out[10] = 0;
}

void wh_format_timestamp(int64_t ms, char out[32])
{
	int64_t days = floor_div(ms, MS_PER_DAY);
	int rem = (int)(ms - days * MS_PER_DAY);
	char *p = out + 10;

	wh_format_date(days, out);
	*p++ = ' ';
	p = digits(p, rem / (int)MS_PER_HOUR, 2);
	*p++ = ':';
	p = digits(p, rem / (int)MS_PER_MIN % 60, 2);
	*p++ = ':';
	p = digits(p, rem / (int)MS_PER_SEC % 60, 2);
	*p++ = '.';
	p = digits(p, rem % (int)MS_PER_SEC, 3);
	*p = 0;
}

const char *wh_type_sql(enum cell_type t)
{
	static const char *const names[] = { "TEXT", "BIGINT", "DOUBLE PRECISION", "BOOLEAN",
					     "DATE", "TIMESTAMP" };
	return names[t];
}

int wh_quote_ident(struct buf *out, const char *name)
{
	int rc = buf_putc(out, '"');

	for (const char *p = name; *p && !rc; p++)
		rc = *p == '"' ? buf_puts(out, "\"\"") : buf_putc(out, *p);
	return rc ? rc : buf_putc(out, '"');
}

/* ---- query results ------------------------------------------------------------- */

static int tab_columns(void *ctx, size_t n, const char *const *names, const enum tab_kind *kinds)
{
	int rc = 0;

	for (size_t c = 0; c < n && !rc; c++)
		rc = tab_add_column(ctx, names[c], kinds[c]);
	return rc;
}

static int tab_row(void *ctx, size_t n, const char *const *cells, const size_t *lens)
{
	int rc = 0;

	for (size_t c = 0; c < n && !rc; c++)
		rc = tab_cell(ctx, cells[c], lens[c]);
	return rc ? rc : tab_end_row(ctx);
}

struct wh_sink wh_sink_tab(struct tab *t)
{
	return (struct wh_sink){ tab_columns, tab_row, t };
}

int wh_result_begin(struct wh_result *r, const struct wh_sink *sink, size_t ncols)
{
	memset(r, 0, sizeof(*r));
	r->sink = sink;
	r->n = ncols;
	buf_init(&r->cells, 0);
	r->names = pp_calloc(ncols + 1, sizeof(*r->names));
	r->ptrs = pp_calloc(ncols + 1, sizeof(*r->ptrs));
	r->kinds = pp_calloc(ncols + 1, sizeof(*r->kinds));
	r->offs = pp_calloc(ncols + 1, sizeof(*r->offs));
	r->lens = pp_calloc(ncols + 1, sizeof(*r->lens));
	return r->names && r->ptrs && r->kinds && r->offs && r->lens ? 0 : PP_ENOMEM;
}

int wh_result_columns(struct wh_result *r)
{
	return r->n ? r->sink->columns(r->sink->ctx, r->n, r->names, r->kinds) : 0;
}

struct buf *wh_result_cell(struct wh_result *r)
{
	r->offs[r->col++] = r->cells.len;
	return &r->cells;
}

void wh_result_null(struct wh_result *r)
{
	r->offs[r->col++] = SIZE_MAX;
}

int wh_result_end_row(struct wh_result *r)
{
	size_t end = r->cells.len;
	int rc;

	/* a cell ends where the next one starts; pointers only now, the buffer has grown */
	for (size_t c = r->n; c-- > 0;) {
		r->ptrs[c] = r->offs[c] == SIZE_MAX ? NULL : r->cells.data + r->offs[c];
		r->lens[c] = r->offs[c] == SIZE_MAX ? 0 : end - r->offs[c];
		if (r->offs[c] != SIZE_MAX)
			end = r->offs[c];
	}
	rc = r->sink->row(r->sink->ctx, r->n, r->ptrs, r->lens);
	r->col = 0;
	buf_reset(&r->cells);
	return rc;
}

void wh_result_release(struct wh_result *r)
{
	pp_free(r->names);
	pp_free(r->ptrs);
	pp_free(r->kinds);
	pp_free(r->offs);
	pp_free(r->lens);
	buf_release(&r->cells);
}

/* ---- loading ---------------------------------------------------------------------- */

/* The curated tables, by the name they get in the warehouse. */
const char *const warehouse_tables[] = { "dim_date", "dim_visitor", "dim_item", "fact_events",
					 "fact_sessions", "agg_daily_funnel", "agg_item_stats",
					 "item_item" };
const size_t warehouse_ntables = ARRAY_SIZE(warehouse_tables);

#define LOADS_TABLE "ppredict_loads"

static int load_rows(struct warehouse *w, const char *table, struct delta_scan *s,
		     const struct delta_schema *ls, int64_t *rows)
{
	struct cell *row = pp_calloc(ls->n, sizeof(*row));
	int rc;

	if (!row)
		return PP_ENOMEM;
	rc = w->ops->load_begin(w, table, ls->cols, ls->n);
	/* the batch's strings live until the next delta_scan_next: the backend flushes first */
	while (!rc && !(rc = w->ops->load_flush(w)) && !(rc = delta_scan_next(s)) && s->rows) {
		rc = delta_row_partitions(ls, table, s, row); /* the same for the batch */
		for (size_t r = 0; r < s->rows && !rc; r++) {
			delta_row_values(ls, s, r, row);
			rc = w->ops->load_row(w, row);
			(*rows)++;
		}
	}
	/* load_end always follows load_begin: it stops what the backend started */
	{
		char saved[1024];
		int end_rc;
		snprintf(saved, sizeof(saved), "%s", pp_errmsg());
		end_rc = w->ops->load_end(w);
		if (rc)
			pp_error(rc, "%s", saved);
		else
			rc = end_rc;
	}
	pp_free(row);
	return rc;
}

static int create_table(struct warehouse *w, const char *table, const struct delta_schema *ls)
{
	struct buf sql = BUF_INIT;
	int rc = buf_puts(&sql, "DROP TABLE IF EXISTS ");

	if (!rc && !(rc = wh_quote_ident(&sql, table)))
		rc = w->ops->exec(w, sql.data);
	buf_reset(&sql);
	if (!rc && !(rc = buf_puts(&sql, "CREATE TABLE ")) && !(rc = wh_quote_ident(&sql, table)))
		rc = buf_puts(&sql, " (");
	for (size_t c = 0; c < ls->n && !rc; c++) {
		if (!(rc = buf_puts(&sql, c ? ", " : "")) && !(rc = wh_quote_ident(&sql, ls->cols[c].name)))
			rc = buf_printf(&sql, " %s%s", wh_type_sql(ls->cols[c].type),
					ls->cols[c].nullable ? "" : " NOT NULL");
	}
	if (!rc && !(rc = buf_putc(&sql, ')')))
		rc = w->ops->exec(w, sql.data);
	buf_release(&sql);
	return rc;
}

/* The version of a table the warehouse last loaded, or -1. */
struct version_read {
	int64_t version;
};

static int version_columns(void *ctx, size_t n, const char *const *names, const enum tab_kind *k)
{
	(void)ctx, (void)n, (void)names, (void)k;
	return 0;
}

static int version_row(void *ctx, size_t n, const char *const *cells, const size_t *lens)
{
	(void)lens;
	if (n == 1 && cells[0])
		((struct version_read *)ctx)->version = strtoll(cells[0], NULL, 10);
	return 0;
}

static int loaded_version(struct warehouse *w, const char *table, int64_t *version)
{
	struct version_read vr = { -1 };
	struct wh_sink sink = { version_columns, version_row, &vr };
	struct buf sql = BUF_INIT;
	int rc = buf_printf(&sql, "SELECT delta_version FROM " LOADS_TABLE " WHERE table_name = '%s'",
			    table);

	if (!rc)
		rc = w->ops->query(w, sql.data, &sink);
	buf_release(&sql);
	*version = vr.version;
	return rc;
}

static int load_table(struct warehouse *w, struct lake_fs *fs, const char *table, bool full,
		      struct warehouse_load_stats *st)
{
	char path[64], now[32];
	struct delta_schema ls;
	struct delta_snapshot snap;
	struct delta_scan s;
	struct buf sql = BUF_INIT;
	int64_t loaded, rows = 0;
	bool in_txn = false;
	int rc;

	snprintf(path, sizeof(path), "curated/%s", table);
	memset(&ls, 0, sizeof(ls));
	memset(&s, 0, sizeof(s));
	if ((rc = loaded_version(w, table, &loaded)))
		return rc;
	rc = delta_snapshot_load(fs, path, -1, &snap);
	if (rc == PP_ENOENT) { /* not written yet: nothing to load */
		pp_error_clear();
		return 0;
	}
	if (rc)
		return rc;
	if (!full && snap.version == loaded) {
		st->tables_current++;
		goto out;
	}
	/* the scan reads the schema's columns by name; partition columns come from the log */
	if ((rc = delta_schema_load(path, &snap, &ls)) ||
	    (rc = delta_scan_begin(&s, fs, path, &snap, ls.names, ls.n)))
		goto out;
	if ((rc = w->ops->exec(w, "BEGIN")))
		goto out;
	in_txn = true;
	if ((rc = create_table(w, table, &ls)) || (rc = load_rows(w, table, &s, &ls, &rows)))
		goto out;
	wh_format_timestamp(time_now_ms(), now);
	if ((rc = buf_printf(&sql, "DELETE FROM " LOADS_TABLE " WHERE table_name = '%s'", table)) ||
	    (rc = w->ops->exec(w, sql.data)))
		goto out;
	buf_reset(&sql);
	if ((rc = buf_printf(&sql, "INSERT INTO " LOADS_TABLE " VALUES ('%s', %" PRId64 ", %" PRId64
				   ", '%s')", table, snap.version, rows, now)) ||
	    (rc = w->ops->exec(w, sql.data)))
		goto out;
	fs_crash_point("warehouse-load"); /* tests: a kill before the commit */
	if ((rc = w->ops->exec(w, "COMMIT")))
		goto out;
	in_txn = false;
	st->tables_loaded++;
	st->rows += rows;
	log_debug("warehouse: %s loaded, %" PRId64 " rows", table, rows);
out:
	if (in_txn) {
		char saved[1024];
		snprintf(saved, sizeof(saved), "%s", pp_errmsg());
		w->ops->exec(w, "ROLLBACK");
		rc = pp_error(rc, "%s: %s", table, saved);
	}
	buf_release(&sql);
	delta_schema_release(&ls);
	delta_scan_close(&s);
	delta_snapshot_release(&snap);
	return rc;
}

int warehouse_load(struct warehouse *w, struct lake_fs *fs, const char *const *tables, size_t n,
		   bool full, struct warehouse_load_stats *st)
{
	int rc = w->ops->exec(w, "CREATE TABLE IF NOT EXISTS " LOADS_TABLE " (table_name TEXT PRIMARY "
				 "KEY, delta_version BIGINT NOT NULL, row_count BIGINT NOT NULL, "
				 "loaded_at TIMESTAMP NOT NULL)");

	if (!tables) {
		tables = warehouse_tables;
		n = warehouse_ntables;
	}
	for (size_t i = 0; i < n && !rc; i++)
		rc = load_table(w, fs, tables[i], full, st);
	return rc;
}
