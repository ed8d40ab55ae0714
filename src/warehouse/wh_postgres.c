/* The PostgreSQL warehouse (Redshift speaks the same protocol): libpq, bulk loads with
 * COPY ... FROM STDIN in text format, sent in chunks. */
#include "warehouse/warehouse.h"
#include "core/err.h"
#include "core/mem.h"

#include <libpq-fe.h>
#include <stdlib.h>

#define COPY_CHUNK (1 << 20)

struct wh_pg {
	struct warehouse base;
	PGconn *conn;
	const struct table_column *cols;
	size_t ncols;
	struct buf copy; /* rows waiting to be sent */
};

static int fail(struct wh_pg *w, const char *what, const PGresult *res)
{
	const char *msg = res ? PQresultErrorMessage(res) : PQerrorMessage(w->conn);
	size_t n = strlen(msg);

	while (n && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
		n--;
	return pp_error(PP_EIO, "%s: %s: %.*s", w->base.where, what, (int)n, msg);
}

static int pg_exec(struct warehouse *base, const char *sql)
{
	struct wh_pg *w = (struct wh_pg *)base;
	PGresult *res = PQexec(w->conn, sql);
	int rc = 0;

	if (PQresultStatus(res) != PGRES_COMMAND_OK && PQresultStatus(res) != PGRES_TUPLES_OK)
		rc = fail(w, "statement", res);
	PQclear(res);
	return rc;
}

static int pg_load_begin(struct warehouse *base, const char *table, const struct table_column *cols,
			 size_t ncols)
{
	struct wh_pg *w = (struct wh_pg *)base;
	struct buf sql = BUF_INIT;
	PGresult *res;
	int rc = buf_puts(&sql, "COPY ");

	if (!rc && !(rc = wh_quote_ident(&sql, table)))
		rc = buf_puts(&sql, " FROM STDIN");
	if (rc) {
		buf_release(&sql);
		return rc;
	}
	res = PQexec(w->conn, sql.data);
	if (PQresultStatus(res) != PGRES_COPY_IN)
		rc = fail(w, "starting COPY", res);
	PQclear(res);
	buf_release(&sql);
	w->cols = cols;
	w->ncols = ncols;
	buf_reset(&w->copy);
	return rc;
}

static int flush_copy(struct wh_pg *w)
{
	if (w->copy.len && PQputCopyData(w->conn, w->copy.data, (int)w->copy.len) != 1)
		return fail(w, "sending rows", NULL);
	buf_reset(&w->copy);
	return 0;
}

/* COPY's text format: backslash escapes for the separators and the backslash itself. */
static int put_text(struct buf *b, struct span s)
{
	int rc = buf_grow(b, s.len * 2);

	for (size_t i = 0; i < s.len && !rc; i++) {
		char c = s.p[i];
		switch (c) {
		case '\\': buf_putc_unsafe(b, '\\'); buf_putc_unsafe(b, '\\'); break;
		case '\t': buf_putc_unsafe(b, '\\'); buf_putc_unsafe(b, 't'); break;
		case '\n': buf_putc_unsafe(b, '\\'); buf_putc_unsafe(b, 'n'); break;
		case '\r': buf_putc_unsafe(b, '\\'); buf_putc_unsafe(b, 'r'); break;
		default: buf_putc_unsafe(b, c);
		}
	}
	if (!rc)
		buf_terminate(b);
	return rc;
}

static int pg_load_row(struct warehouse *base, const struct cell *row)
{
	struct wh_pg *w = (struct wh_pg *)base;
	struct buf *b = &w->copy;
	char when[32];
	int rc = 0;

	for (size_t c = 0; c < w->ncols && !rc; c++) {
		const struct cell *v = &row[c];
		if (c && (rc = buf_putc(b, '\t')))
			break;
		if (v->null) {
			rc = buf_puts(b, "\\N");
			continue;
		}
		switch (w->cols[c].type) {
		case CELL_TEXT:
			rc = put_text(b, v->s);
			break;
		case CELL_DOUBLE:
			rc = wh_format_double(b, v->d);
			break;
		case CELL_BOOL:
			rc = buf_putc(b, v->i ? 't' : 'f');
			break;
		case CELL_DATE:
			wh_format_date(v->i, when);
			rc = buf_puts(b, when);
			break;
		case CELL_TIMESTAMP:
			wh_format_timestamp(v->i, when);
			rc = buf_puts(b, when);
			break;
		default:
			rc = buf_put_i64(b, v->i);
		}
	}
	if (!rc)
		rc = buf_putc(b, '\n');
	if (!rc && b->len >= COPY_CHUNK)
		rc = flush_copy(w);
	return rc;
}

static int pg_load_flush(struct warehouse *base)
{
	(void)base; /* rows are in the COPY buffer as text already */
	return 0;
}

static int pg_load_end(struct warehouse *base)
{
	struct wh_pg *w = (struct wh_pg *)base;
	PGresult *res;
	int rc = flush_copy(w);

	if (PQputCopyEnd(w->conn, rc ? "load failed" : NULL) != 1 && !rc)
		rc = fail(w, "ending COPY", NULL);
	while ((res = PQgetResult(w->conn))) {
		if (!rc && PQresultStatus(res) != PGRES_COMMAND_OK)
			rc = fail(w, "COPY", res);
		PQclear(res);
	}
	return rc;
}

/* Type OIDs of pg_type that need a canonical form or a kind. */
enum { OID_BOOL = 16, OID_INT8 = 20, OID_INT2 = 21, OID_INT4 = 23, OID_FLOAT4 = 700,
       OID_FLOAT8 = 701, OID_TIMESTAMP = 1114, OID_TIMESTAMPTZ = 1184, OID_NUMERIC = 1700 };

static enum tab_kind kind_of(Oid t)
{
	switch (t) {
	case OID_BOOL:
		return TAB_BOOL;
	case OID_INT8: case OID_INT2: case OID_INT4: case OID_FLOAT4: case OID_FLOAT8: case OID_NUMERIC:
		return TAB_NUMBER;
	default:
		return TAB_STRING;
	}
}

/* PostgreSQL's text of a value in the canonical form (warehouse.h). */
static int canonical(Oid t, const char *s, struct buf *out)
{
	size_t n = strlen(s);

	switch (t) {
	case OID_BOOL:
		return buf_puts(out, s[0] == 't' ? "true" : "false");
	case OID_FLOAT4:
	case OID_FLOAT8:
		return wh_format_double(out, strtod(s, NULL));
	case OID_TIMESTAMP: /* "2015-05-03 00:11:20.36": three decimals always */
		if (n >= 19) {
			int rc = buf_append(out, s, 19);
			const char *frac = n > 20 && s[19] == '.' ? s + 20 : "";
			char ms[4] = "000";
			for (int i = 0; i < 3 && frac[i] >= '0' && frac[i] <= '9'; i++)
				ms[i] = frac[i];
			return rc ? rc : buf_printf(out, ".%s", ms);
		}
		/* fall through */
	default:
		return buf_append(out, s, n);
	}
}

static int pg_query(struct warehouse *base, const char *sql, const struct wh_sink *sink)
{
	struct wh_pg *w = (struct wh_pg *)base;
	PGresult *pg = PQexec(w->conn, sql);
	struct wh_result res;
	int n, rows, rc = 0;

	if (PQresultStatus(pg) == PGRES_COMMAND_OK) {
		PQclear(pg);
		return 0;
	}
	if (PQresultStatus(pg) != PGRES_TUPLES_OK) {
		rc = fail(w, "the query", pg);
		PQclear(pg);
		return rc;
	}
	n = PQnfields(pg);
	rows = PQntuples(pg);
	if ((rc = wh_result_begin(&res, sink, (size_t)n)))
		goto out;
	for (int c = 0; c < n; c++) {
		res.names[c] = PQfname(pg, c);
		res.kinds[c] = kind_of(PQftype(pg, c));
	}
	rc = wh_result_columns(&res);
	for (int r = 0; r < rows && !rc; r++) {
		for (int c = 0; c < n && !rc; c++) {
			if (PQgetisnull(pg, r, c))
				wh_result_null(&res);
			else
				rc = canonical(PQftype(pg, c), PQgetvalue(pg, r, c), wh_result_cell(&res));
		}
		if (!rc)
			rc = wh_result_end_row(&res);
	}
out:
	PQclear(pg);
	wh_result_release(&res);
	return rc;
}

static void pg_close(struct warehouse *base)
{
	struct wh_pg *w = (struct wh_pg *)base;

	PQfinish(w->conn);
	buf_release(&w->copy);
	pp_free(w->base.where);
	pp_free(w);
}

static const struct warehouse_ops postgres_ops = {
	.name = "postgresql",
	.exec = pg_exec,
	.load_begin = pg_load_begin,
	.load_row = pg_load_row,
	.load_flush = pg_load_flush,
	.load_end = pg_load_end,
	.query = pg_query,
	.close = pg_close,
};

/* The URL without its password, for messages. */
static char *describe(const char *url)
{
	const char *at = strchr(url, '@'), *scheme = strstr(url, "://");
	struct buf b = BUF_INIT;

	if (at && scheme && at > scheme) {
		const char *colon = memchr(scheme + 3, ':', (size_t)(at - scheme - 3));
		if (colon) {
			buf_append(&b, url, (size_t)(colon - url));
			buf_puts(&b, ":***");
			buf_puts(&b, at);
			return b.data;
		}
	}
	buf_puts(&b, url);
	return b.data;
}

int warehouse_postgres_open(struct warehouse **out, const char *url)
{
	struct wh_pg *w = pp_calloc(1, sizeof(*w));
	int rc;

	if (!w || !(w->base.where = describe(url))) {
		pp_free(w);
		return PP_ENOMEM;
	}
	w->base.ops = &postgres_ops;
	buf_init(&w->copy, COPY_CHUNK + 4096);
	w->conn = PQconnectdb(url);
	if (PQstatus(w->conn) != CONNECTION_OK) {
		rc = fail(w, "connecting", NULL);
		pg_close(&w->base);
		return rc;
	}
	/* quiet NOTICEs (DROP ... IF EXISTS), UTC for timestamps, shortest exact floats */
	if ((rc = pg_exec(&w->base, "SET client_min_messages = warning; SET TIME ZONE 'UTC'; "
				    "SET extra_float_digits = 1"))) {
		pg_close(&w->base);
		return rc;
	}
	*out = &w->base;
	return 0;
}
