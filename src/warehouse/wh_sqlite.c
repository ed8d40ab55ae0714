/* The SQLite warehouse: one file, WAL journal (readers never wait for a load), bulk loads
 * through prepared multi-row INSERTs inside the loader's transaction. */
#include "warehouse/warehouse.h"
#include "core/err.h"
#include "core/mem.h"

#include <sqlite3.h>

struct wh_sqlite {
	struct warehouse base;
	sqlite3 *db;
	/* a load: rows gather in `pending` until `batch` of them go in one multi-row INSERT
	 * (five times fewer statements cost a fifth less time); the rest at a flush one by
	 * one. Strings are bound where the caller keeps them (valid until the flush); dates
	 * and times are formatted into `text`. */
	sqlite3_stmt *one, *many;
	const struct table_column *cols;
	size_t ncols, batch;
	struct cell *pending;
	size_t npending;
	struct buf text;
};

#define BATCH 256 /* rows per INSERT (fewer, when the columns would pass SQLite's 32766 parameters) */

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

static int prepare_insert(struct wh_sqlite *w, const char *table, size_t rows, sqlite3_stmt **out)
{
	struct buf sql = BUF_INIT;
	int rc = buf_puts(&sql, "INSERT INTO ");

	if (!rc)
		rc = wh_quote_ident(&sql, table);
	for (size_t r = 0; r < rows && !rc; r++) {
		rc = buf_puts(&sql, r ? ", (" : " VALUES (");
		for (size_t c = 0; c < w->ncols && !rc; c++)
			rc = buf_puts(&sql, c ? ", ?" : "?");
		if (!rc)
			rc = buf_putc(&sql, ')');
	}
	if (!rc && sqlite3_prepare_v2(w->db, sql.data, -1, out, NULL) != SQLITE_OK)
		rc = fail(w, "preparing the load");
	buf_release(&sql);
	return rc;
}

static int sq_load_begin(struct warehouse *base, const char *table, const struct table_column *cols,
			 size_t ncols)
{
	struct wh_sqlite *w = (struct wh_sqlite *)base;
	int rc;

	w->cols = cols;
	w->ncols = ncols;
	w->npending = 0;
	w->batch = ncols && BATCH * ncols > 32766 ? 32766 / ncols : BATCH;
	buf_reset(&w->text);
	pp_free(w->pending);
	if (!(w->pending = pp_calloc(w->batch * (ncols ? ncols : 1), sizeof(*w->pending))))
		return PP_ENOMEM;
	if ((rc = prepare_insert(w, table, 1, &w->one)) ||
	    (rc = prepare_insert(w, table, w->batch, &w->many)))
		return rc;
	return 0;
}

/* Binds the pending row r at parameter `first` (1-based); text is in w->text. */
static int bind_row(struct wh_sqlite *w, sqlite3_stmt *st, size_t r, int first)
{
	int rc = SQLITE_OK;

	for (size_t c = 0; c < w->ncols && rc == SQLITE_OK; c++) {
		const struct cell *v = &w->pending[r * w->ncols + c];
		int i = first + (int)c;
		if (v->null) {
			rc = sqlite3_bind_null(st, i);
			continue;
		}
		switch (w->cols[c].type) {
		case CELL_TEXT:
			rc = sqlite3_bind_text(st, i, v->s.p ? v->s.p : "", (int)v->s.len, SQLITE_STATIC);
			break;
		case CELL_DATE:
		case CELL_TIMESTAMP: /* i holds an offset into w->text */
			rc = sqlite3_bind_text(st, i, w->text.data + (size_t)v->i, (int)v->s.len, SQLITE_STATIC);
			break;
		case CELL_DOUBLE:
			rc = sqlite3_bind_double(st, i, v->d);
			break;
		default: /* BIGINT, BOOLEAN */
			rc = sqlite3_bind_int64(st, i, v->i);
		}
	}
	return rc;
}

static int step(struct wh_sqlite *w, sqlite3_stmt *st, int rc)
{
	if (rc == SQLITE_OK)
		rc = sqlite3_step(st);
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : fail(w, "loading rows");
}

static int flush_batch(struct wh_sqlite *w)
{
	int rc = SQLITE_OK;

	for (size_t r = 0; r < w->npending && rc == SQLITE_OK; r++)
		rc = bind_row(w, w->many, r, (int)(r * w->ncols) + 1);
	rc = step(w, w->many, rc); /* the text is bound in place: reset it only after */
	w->npending = 0;
	buf_reset(&w->text);
	return rc;
}

static int sq_load_row(struct warehouse *base, const struct cell *row)
{
	struct wh_sqlite *w = (struct wh_sqlite *)base;
	struct cell *dst = &w->pending[w->npending * w->ncols];
	char when[32];
	int rc = 0;

	/* dates and times as text; strings stay where they are until the flush */
	for (size_t c = 0; c < w->ncols && !rc; c++) {
		const struct cell *v = &row[c];
		enum cell_type t = w->cols[c].type;
		dst[c] = *v;
		if (v->null || (t != CELL_DATE && t != CELL_TIMESTAMP))
			continue;
		if (t == CELL_DATE)
			wh_format_date(v->i, when);
		else
			wh_format_timestamp(v->i, when);
		dst[c].i = (int64_t)w->text.len;
		dst[c].s.len = strlen(when);
		rc = buf_append(&w->text, when, dst[c].s.len);
	}
	if (rc)
		return rc;
	if (++w->npending == w->batch)
		return flush_batch(w);
	return 0;
}

static int sq_load_flush(struct warehouse *base)
{
	struct wh_sqlite *w = (struct wh_sqlite *)base;
	int rc = 0;

	for (size_t r = 0; r < w->npending && !rc; r++)
		rc = step(w, w->one, bind_row(w, w->one, r, 1));
	w->npending = 0;
	buf_reset(&w->text);
	return rc;
}

static int sq_load_end(struct warehouse *base)
{
	struct wh_sqlite *w = (struct wh_sqlite *)base;
	int rc = sq_load_flush(base);

	sqlite3_finalize(w->one);
	sqlite3_finalize(w->many);
	w->one = w->many = NULL;
	return rc;
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
	struct wh_result res;
	int n, step, rc;

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
	if ((rc = wh_result_begin(&res, sink, (size_t)n)))
		goto out;
	step = sqlite3_step(st);
	for (int c = 0; c < n; c++) {
		res.names[c] = sqlite3_column_name(st, c);
		res.kinds[c] = kind_of(sqlite3_column_decltype(st, c),
				       step == SQLITE_ROW ? sqlite3_column_type(st, c) : SQLITE_TEXT);
	}
	rc = wh_result_columns(&res);
	for (; step == SQLITE_ROW && !rc; step = sqlite3_step(st)) {
		for (int c = 0; c < n && !rc; c++) {
			if (sqlite3_column_type(st, c) == SQLITE_NULL)
				wh_result_null(&res);
			else
				rc = cell_text(st, c, res.kinds[c] == TAB_BOOL, wh_result_cell(&res));
		}
		if (!rc)
			rc = wh_result_end_row(&res);
	}
	if (!rc && step != SQLITE_DONE)
		rc = fail(w, "the query");
out:
	sqlite3_finalize(st);
	wh_result_release(&res);
	return rc;
}

static void sq_close(struct warehouse *base)
{
	struct wh_sqlite *w = (struct wh_sqlite *)base;

	sqlite3_finalize(w->one); /* harmless on NULL */
	sqlite3_finalize(w->many);
	pp_free(w->pending);
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
	.load_flush = sq_load_flush,
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
				    "PRAGMA synchronous = NORMAL; PRAGMA cache_size = -65536; PRAGMA temp_store = MEMORY"))) {
		sq_close(&w->base);
		return rc;
	}
	*out = &w->base;
	return 0;
}
