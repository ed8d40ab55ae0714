/*
 * POST /v1/predict/batch: many predictions with one model. The body is a JSON array of
 * prediction requests, or CSV (text/csv) whose header names key columns (session_id,
 * visitor_id, item_id, category_id, at) and features; an empty cell is missing. A bad row
 * gets its own error and the others their predictions. JSON out, or CSV with ?format=csv
 * or Accept: text/csv.
 */
#include "core/err.h"
#include "core/mem.h"
#include "core/parse.h"
#include "core/timeutil.h"
#include "event/csv.h"
#include "serve/http.h"
#include "serve/predict.h"

#include <math.h>
#include <strings.h>

struct batch {
	struct server *s;
	const struct served_model *m;
	struct predict_input in;
	double *vec;
	bool csv_out;
	size_t rows, errors;
	struct buf one; /* a row's prediction */
};

/* One row's answer (prediction or error) into out. */
static void answer(struct batch *b, struct buf *out, size_t row, bool ok, const struct predict_error *err,
		   double p)
{
	b->rows++;
	b->errors += !ok;
	if (b->csv_out) {
		buf_printf(out, "%zu,", row);
		if (ok) {
			buf_printf(out, "%.9g,%s,\n", p, p >= b->m->threshold ? "true" : "false");
			return;
		}
		buf_puts(out, ",,\"");
		for (const char *c = err->message; *c; c++) /* a CSV field: quotes doubled */
			buf_append(out, *c == '"' ? "\"\"" : c, *c == '"' ? 2 : 1);
		buf_puts(out, "\"\n");
		return;
	}
	buf_printf(out, "%s{\"row\":%zu,", row > 1 ? "," : "", row);
	if (ok) {
		buf_append(out, b->one.data + 1, b->one.len - 1); /* the object without its '{' */
		return;
	}
	buf_printf(out, "\"error\":{\"code\":\"%s\",\"message\":", err->code);
	buf_put_json_str(out, err->message, strlen(err->message));
	buf_puts(out, ",\"field\":");
	if (err->field[0])
		buf_put_json_str(out, err->field, strlen(err->field));
	else
		buf_puts(out, "null");
	buf_puts(out, "}}");
}

static void predict_row(struct batch *b, struct buf *out, size_t row, bool parsed, struct predict_error *err)
{
	double p = NAN;
	bool ok = parsed;

	buf_reset(&b->one);
	if (ok)
		ok = predict_one(b->s, b->m, &b->in, b->vec, &b->one, &p, err);
	answer(b, out, row, ok, err, p);
}

static int json_rows(struct http_request *req, struct batch *b, struct buf *out)
{
	json_error_t jerr;
	json_t *body = json_loadb(req->body.data ? req->body.data : "", req->body.len, JSON_REJECT_DUPLICATES, &jerr);
	struct predict_error err;
	int64_t now = time_now_ms();

	if (!body)
		return http_error(req, 400, "invalid_json", NULL, "the body is not JSON: %s (line %d, column %d)",
				  jerr.text, jerr.line, jerr.column);
	if (!json_is_array(body)) {
		json_decref(body);
		return http_error(req, 400, "invalid", NULL, "expected a JSON array of prediction requests (or "
				  "text/csv)");
	}
	if (json_array_size(body) > (size_t)req->srv->cfg->predict_max_batch) {
		size_t n = json_array_size(body);
		json_decref(body);
		return http_error(req, 413, "too_many_rows", NULL, "%zu rows; at most %" PRId64 " in one batch "
				  "(predict.max_batch)", n, req->srv->cfg->predict_max_batch);
	}
	for (size_t i = 0; i < json_array_size(body); i++) {
		predict_input_reset(&b->in, now);
		bool parsed = predict_parse_json(b->s->registry, json_array_get(body, i), &b->in, &err);
		predict_row(b, out, i + 1, parsed, &err);
	}
	json_decref(body);
	return -1;
}

/* A CSV column's role: a key (per enum entity_kind), the time, or a feature's slot. */
enum { COL_AT = -2, COL_FEATURE = -1 };

static int csv_rows(struct http_request *req, struct batch *b, struct buf *out)
{
	const struct feature_registry *r = b->s->registry;
	struct csv_reader rd;
	struct csv_record rec;
	struct buf scratch = BUF_INIT;
	struct predict_error err;
	char *names[CSV_MAX_FIELDS] = { 0 };
	int role[CSV_MAX_FIELDS], rc;
	size_t ncols, row = 0;
	int64_t now = time_now_ms();

	csv_init(&rd, req->body.data ? req->body.data : "", req->body.len);
	if ((rc = csv_next(&rd, &rec, &scratch)) != 1) {
		buf_release(&scratch);
		return http_error(req, 400, "invalid_csv", NULL, rc == 0 ? "the CSV is empty: expected a header" :
				  "the CSV header (line 1): %s", rec.error ? rec.error : "unreadable");
	}
	ncols = rec.n;
	for (size_t c = 0; c < ncols; c++) {
		char name[128];
		snprintf(name, sizeof(name), "%.*s", (int)rec.field[c].len, rec.field[c].p);
		role[c] = COL_FEATURE;
		if (!strcmp(name, "at"))
			role[c] = COL_AT;
		for (int k = 0; k < ENT__COUNT; k++)
			if (!strcmp(name, entity_key(k)))
				role[c] = k;
		if (role[c] == COL_FEATURE && !predict_set_feature(r, &b->in, name, 0, &err)) {
			for (size_t i = 0; i < c; i++)
				pp_free(names[i]);
			buf_release(&scratch);
			return http_error(req, 400, "invalid_csv", name, "the CSV header: column %zu: %s", c + 1,
					  err.message);
		}
		if (!(names[c] = pp_strdup(name))) {
			for (size_t i = 0; i < c; i++)
				pp_free(names[i]);
			buf_release(&scratch);
			return http_error(req, 500, "internal", NULL, "out of memory");
		}
	}
	while ((rc = csv_next(&rd, &rec, &scratch)) != 0) {
		bool ok = rc == 1;
		char cell[300];
		if (++row > (size_t)req->srv->cfg->predict_max_batch) {
			rc = http_error(req, 413, "too_many_rows", NULL, "more than %" PRId64 " rows in one batch "
					"(predict.max_batch)", req->srv->cfg->predict_max_batch);
			goto out;
		}
		predict_input_reset(&b->in, now);
		if (rc == PP_ENOMEM) {
			rc = http_error(req, 500, "internal", NULL, "out of memory");
			goto out;
		}
		if (!ok) {
			err = (struct predict_error){ 400, "invalid_csv", "", "" };
			snprintf(err.message, sizeof(err.message), "line %" PRIu64 ": %s", rec.line, rec.error);
		} else if (rec.n != ncols) {
			ok = false;
			err = (struct predict_error){ 400, "invalid_csv", "", "" };
			snprintf(err.message, sizeof(err.message), "line %" PRIu64 ": %zu fields, the header has %zu",
				 rec.line, rec.n, ncols);
		}
		for (size_t c = 0; ok && c < ncols; c++) {
			struct span f = rec.field[c];
			if (!f.len)
				continue; /* missing */
			if (role[c] >= 0) {
				b->in.key[role[c]] = f;
				continue;
			}
			snprintf(cell, sizeof(cell), "%.*s", (int)f.len, f.p);
			if (role[c] == COL_AT) {
				if (time_parse_or_ms(cell, strlen(cell), &b->in.at)) {
					ok = false;
					err = (struct predict_error){ 400, "invalid", "at", "" };
					snprintf(err.message, sizeof(err.message), "line %" PRIu64 ": at: expected an RFC "
						 "3339 time or epoch milliseconds, got '%s'", rec.line, cell);
				}
				continue;
			}
			double v;
			if (parse_double(cell, strlen(cell), &v) || isinf(v)) {
				ok = false;
				err = (struct predict_error){ 400, "invalid", "", "" };
				snprintf(err.field, sizeof(err.field), "%s", names[c]);
				snprintf(err.message, sizeof(err.message), "line %" PRIu64 ": %s: expected a number, "
					 "got '%s'", rec.line, names[c], cell);
				continue;
			}
			predict_set_feature(r, &b->in, names[c], v, &err);
		}
		if (ok) {
			bool any = b->in.ngiven > 0;
			for (int k = 0; k < ENT__COUNT; k++)
				any |= b->in.key[k].len > 0;
			if (!any) {
				ok = false;
				err = (struct predict_error){ 400, "invalid", "", "" };
				snprintf(err.message, sizeof(err.message), "line %" PRIu64 ": no key and no feature "
					 "value", rec.line);
			}
		}
		predict_row(b, out, row, ok, &err);
	}
	rc = -1;
out:
	for (size_t c = 0; c < ncols; c++)
		pp_free(names[c]);
	buf_release(&scratch);
	return rc;
}

int route_post_predict_batch(struct http_request *req)
{
	struct server *s = req->srv;
	struct batch b = { .s = s };
	const char *ct = http_header(req, "Content-Type"), *accept = http_header(req, "Accept");
	const char *format = http_query(req, "format");
	struct buf out = BUF_INIT;
	struct served_model *m;
	int rc;

	if (!s->registry)
		return http_error(req, 503, "unavailable", NULL, "no feature registry is loaded");
	if (format && strcmp(format, "csv") && strcmp(format, "json"))
		return http_error(req, 400, "invalid", "format", "format: expected csv or json");
	b.csv_out = format ? !strcmp(format, "csv") : accept && strstr(accept, "text/csv") != NULL;
	if (!(m = champion_acquire(s)))
		return http_error(req, 503, "no_model", NULL, "no model is served (GET /v1/model says why)");
	b.m = m;
	if (predict_input_init(&b.in, s->registry) ||
	    !(b.vec = pp_malloc(registry_vector_size(s->registry) * sizeof(*b.vec)))) {
		rc = http_error(req, 500, "internal", NULL, "out of memory");
		goto done;
	}
	if (b.csv_out)
		buf_puts(&out, "row,probability,label,error\n");
	rc = ct && !strncasecmp(ct, "text/csv", 8) ? csv_rows(req, &b, &out) : json_rows(req, &b, &out);
	if (rc >= 0)
		goto done;
	if (b.csv_out) {
		req->content_type = "text/csv";
		buf_append(&req->out, out.data, out.len);
	} else {
		buf_printf(&req->out, "{\"model_version\":\"%s\",\"rows\":%zu,\"errors\":%zu,\"results\":[",
			   m->m.version, b.rows, b.errors);
		buf_append(&req->out, out.data, out.len);
		buf_puts(&req->out, "]}\n");
	}
	rc = HTTP_DONE;
done:
	buf_release(&out);
	buf_release(&b.one);
	pp_free(b.vec);
	predict_input_release(&b.in);
	champion_release(m);
	return rc;
}
