/* The SQLite warehouse: one file, WAL journal (readers never wait for a load), bulk loads
 * through one prepared INSERT inside the loader's transaction. */
#include "warehouse/warehouse.h"
#include "core/err.h"
#include "core/mem.h"

#include <sqlite3.h>

struct wh_sqlite {
	struct warehouse base;
	sqlite3 *db;
	sqlite3_stmt *insert;
	const struct wh_column *cols;
	size_t ncols;
	struct buf text; /* formatted dates and timestamps of the row being bound */
};

static int fail(struct wh_sqlite *w, const char *what)
{
	return pp_error(PP_EIO, "%s: %s: %s", w->base.where, what, sqlite3_errmsg(w->db));
}

static int sq_exec(struct warehouse *base, const char *sql)
{
	struct wh_sqlite *w = (struct wh_sqlite *)base;
	char *msg = NULL;

	if (sqlite3_exec(w->db, sql, NULL, NULL, &msg) == SQLITE_OK)
		return 0;
	int rc = pp_error(PP_EIO, "%s: %s", w->base.where, msg ? msg : sqlite3_errmsg(w->db));
	sqlite3_free(msg);
	return rc;
}

static int sq_load_begin(struct warehouse *base, const char *table, const struct wh_column *cols,
			 size_t ncols)
{
	struct wh_sqlite *w = (struct wh_sqlite *)base;
	struct buf sql = BUF_INIT;
	int rc = buf_puts(&sql, "INSERT INTO ");

	if (!rc)
		rc = wh_quote_ident(&sql, table);
	for (size_t c = 0; c < ncols && !rc; c++)
		rc = buf_puts(&sql, c ? ", ?" : " VALUES (?");
	if (!rc)
		rc = buf_putc(&sql, ')');
	if (!rc && sqlite3_prepare_v2(w->db, sql.data, -1, &w->insert, NULL) != SQLITE_OK)
		rc = fail(w, "preparing the load");
	w->cols = cols;
	w->ncols = ncols;
	buf_release(&sql);
	return rc;
}

static int sq_load_row(struct warehouse *base, const struct wh_value *row)
{
	struct wh_sqlite *w = (struct wh_sqlite *)base;
	char when[32];
	int rc = SQLITE_OK;

	for (size_t c = 0; c < w->ncols && rc == SQLITE_OK; c++) {
		const struct wh_value *v = &row[c];
		int i = (int)c + 1;
		if (v->null) {
			rc = sqlite3_bind_null(w->insert, i);
			continue;
		}
		switch (w->cols[c].type) {
		case WH_TEXT:
			rc = sqlite3_bind_text(w->insert, i, v->s.p ? v->s.p : "", (int)v->s.len, SQLITE_STATIC);
			break;
		case WH_DOUBLE:
			rc = sqlite3_bind_double(w->insert, i, v->d);
			break;
		case WH_DATE:
			wh_format_date(v->i, when);
			rc = sqlite3_bind_text(w->insert, i, when, 10, SQLITE_TRANSIENT);
			break;
		case WH_TIMESTAMP:
			wh_format_timestamp(v->i, when);
			rc = sqlite3_bind_text(w->insert, i, when, 23, SQLITE_TRANSIENT);
			break;
		default: /* BIGINT, BOOLEAN */
			rc = sqlite3_bind_int64(w->insert, i, v->i);
		}
	}
	if (rc == SQLITE_OK)
		rc = sqlite3_step(w->insert);
	sqlite3_reset(w->insert);
	return rc == SQLITE_DONE ? 0 : fail(w, "loading a row");
}

static int sq_load_end(struct warehouse *base)
{
	struct wh_sqlite *w = (struct wh_sqlite *)base;

	sqlite3_finalize(w->insert);
	w->insert = NULL;
	return 0;
}

/* A column declared BOOLEAN prints true/false; the other values by their storage class. */
static int cell_text(sqlite3_stmt *st, int c, bool boolean, struct buf *out)
{
	switch (sqlite3_column_type(st, c)) {
	case SQLITE_INTEGER:
		if (boolean)
			return buf_puts(out, sqlite3_column_int64(st, c) ? "true" : "false");
		return buf_put_i64(out, sqlite3_column_int64(st, c));
	case SQLITE_FLOAT:
		return wh_format_double(out, sqlite3_column_double(st, c));
	default:
		return buf_append(out, sqlite3_column_text(st, c), (size_t)sqlite3_column_bytes(st, c));
	}
}

static enum tab_kind kind_of(const char *decl, int storage)
{
	if (decl && !strcasecmp(decl, "BOOLEAN"))
		return TAB_BOOL;
	if (decl && (!strcasecmp(decl, "BIGINT") || !strcasecmp(decl, "DOUBLE PRECISION")))
		return TAB_NUMBER;
	return storage == SQLITE_INTEGER || storage == SQLITE_FLOAT ? TAB_NUMBER : TAB_STRING;
}

static int sq_query(struct warehouse *base, const char *sql, const struct wh_sink *sink)
{
	struct wh_sqlite *w = (struct wh_sqlite *)base;
	sqlite3_stmt *st = NULL;
	const char *tail;
	struct buf cells = BUF_INIT;
	const char **names = NULL, **ptrs = NULL;
	enum tab_kind *kinds = NULL;
	size_t *lens = NULL, *offs = NULL;
	bool *boolean = NULL;
	int n = 0, step, rc = 0;

	if (sqlite3_prepare_v2(w->db, sql, -1, &st, &tail) != SQLITE_OK)
		return fail(w, "the query");
	if (!st)
		return pp_error(PP_EINVAL, "the query is empty");
	while (*tail == ' ' || *tail == '\t' || *tail == '\n' || *tail == '\r' || *tail == ';')
		tail++;
	if (*tail) {
		sqlite3_finalize(st);
		return pp_error(PP_EINVAL, "one statement at a time: text follows at '%.20s'", tail);
	}
	n = sqlite3_column_count(st);
	names = pp_calloc((size_t)n + 1, sizeof(*names));
	ptrs = pp_calloc((size_t)n + 1, sizeof(*ptrs));
	kinds = pp_calloc((size_t)n + 1, sizeof(*kinds));
	lens = pp_calloc((size_t)n + 1, sizeof(*lens));
	offs = pp_calloc((size_t)n + 1, sizeof(*offs));
	boolean = pp_calloc((size_t)n + 1, sizeof(*boolean));
	if (!names || !ptrs || !kinds || !lens || !offs || !boolean) {
		rc = PP_ENOMEM;
		goto out;
	}
	step = sqlite3_step(st);
	for (int c = 0; c < n; c++) {
		const char *decl = sqlite3_column_decltype(st, c);
		names[c] = sqlite3_column_name(st, c);
		kinds[c] = kind_of(decl, step == SQLITE_ROW ? sqlite3_column_type(st, c) : SQLITE_TEXT);
		boolean[c] = kinds[c] == TAB_BOOL;
	}
	if (n && (rc = sink->columns(sink->ctx, (size_t)n, names, kinds)))
		goto out;
	for (; step == SQLITE_ROW && !rc; step = sqlite3_step(st)) {
		buf_reset(&cells);
		for (int c = 0; c < n && !rc; c++) {
			offs[c] = cells.len;
			if (sqlite3_column_type(st, c) == SQLITE_NULL)
				offs[c] = SIZE_MAX;
			else
				rc = cell_text(st, c, boolean[c], &cells);
			lens[c] = offs[c] == SIZE_MAX ? 0 : cells.len - offs[c];
		}
		for (int c = 0; c < n; c++) /* cells may have moved while they grew */
			ptrs[c] = offs[c] == SIZE_MAX ? NULL : cells.data + offs[c];
		if (!rc)
			rc = sink->row(sink->ctx, (size_t)n, ptrs, lens);
	}
	if (!rc && step != SQLITE_DONE)
		rc = fail(w, "the query");
out:
	sqlite3_finalize(st);
	pp_free(names);
	pp_free(ptrs);
	pp_free(kinds);
	pp_free(lens);
	pp_free(offs);
	pp_free(boolean);
	buf_release(&cells);
	return rc;
}

static void sq_close(struct warehouse *base)
{
	struct wh_sqlite *w = (struct wh_sqlite *)base;

	if (w->insert)
		sqlite3_finalize(w->insert);
	sqlite3_close(w->db);
	buf_release(&w->text);
	pp_free(w->base.where);
	pp_free(w);
}

static const struct warehouse_ops sqlite_ops = {
	.name = "sqlite",
	.exec = sq_exec,
	.load_begin = sq_load_begin,
	.load_row = sq_load_row,
	.load_end = sq_load_end,
	.query = sq_query,
	.close = sq_close,
};

int warehouse_sqlite_open(struct warehouse **out, const char *path)
{
	struct wh_sqlite *w = pp_calloc(1, sizeof(*w));
	int rc;

	if (!w || !(w->base.where = pp_strdup(path))) {
		pp_free(w);
		return PP_ENOMEM;
	}
	w->base.ops = &sqlite_ops;
	buf_init(&w->text, 0);
	/* a connection is used by one thread at a time: no SQLite mutexes */
	if (sqlite3_open_v2(path, &w->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
			    NULL) != SQLITE_OK) {
		rc = fail(w, "opening");
		sq_close(&w->base);
		return rc;
	}
	sqlite3_busy_timeout(w->db, 10000);
	/* WAL: a load's transaction is atomic and readers keep reading the old tables.
	 * 64 KiB pages (taken when the file is created) make bulk loads a third faster. */
	if ((rc = sq_exec(&w->base, "PRAGMA page_size = 65536; PRAGMA journal_mode = WAL; "
				    "PRAGMA synchronous = NORMAL; PRAGMA cache_size = -65536"))) {
		sq_close(&w->base);
		return rc;
	}
	*out = &w->base;
	return 0;
}
