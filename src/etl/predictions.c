/* The prediction log as a Delta table (predictions.h). */
#include "etl/predictions.h"
#include "core/err.h"
#include "core/mem.h"
#include "core/strmap.h"
#include "core/timeutil.h"
#include "lake/delta/delta.h"
#include "lake/parquet/parquet.h"
#include "lake/raw.h"

#include <jansson.h>
#include <math.h>

enum { K_SESSION, K_VISITOR, K_ITEM, K_CATEGORY, K__COUNT };
static const char *const key_names[K__COUNT] = { "session_id", "visitor_id", "item_id", "category_id" };
#define FIXED 10 /* ts, at, model_version, four keys, probability, label, latency_us */

struct record {
	json_t *j; /* the line */
	int64_t ts, at;
};

struct day {
	char date[11];
	struct record *r;
	size_t n, cap;
};

static int by_date(const void *a, const void *b)
{
	return strcmp(((const struct day *)a)->date, ((const struct day *)b)->date);
}

static int64_t time_of(const json_t *v)
{
	int64_t ms;

	return json_is_string(v) && !time_parse(json_string_value(v), json_string_length(v), &ms) ? ms : INT64_MIN;
}

/* The days' records from every segment; feature names in the order first met. */
static int read_log(struct lake_fs *fs, struct predictions_stats *st, struct day **days, size_t *ndays,
		    struct strmap *features, const char ***names)
{
	struct raw_segment_list segs;
	struct buf text = BUF_INIT;
	size_t capdays = 0, capnames = 0;
	int rc;

	if ((rc = raw_list_segments(fs, "raw/predictions", false, &segs)))
		return rc;
	for (size_t s = 0; s < segs.n && !rc; s++) {
		buf_reset(&text);
		if ((rc = raw_segment_read(fs, segs.seg[s].path, &text)))
			break;
		st->segments++;
		for (char *line = text.data, *nl; line && line < text.data + text.len && !rc; line = nl + 1) {
			json_t *j;
			const json_t *f, *v;
			const char *name;
			if (!(nl = memchr(line, '\n', (size_t)(text.data + text.len - line))))
				nl = text.data + text.len;
			j = json_loadb(line, (size_t)(nl - line), 0, NULL);
			struct record r = { j, time_of(json_object_get(j, "ts")), time_of(json_object_get(j, "at")) };
			f = json_object_get(j, "features");
			if (!j || r.ts == INT64_MIN || r.at == INT64_MIN || !json_is_object(f) ||
			    !json_is_number(json_object_get(j, "probability")) || !json_is_string(json_object_get(j, "model_version"))) {
				json_decref(j);
				st->bad_lines++;
				continue;
			}
			json_object_foreach((json_t *)f, name, v) {
				bool ins;
				struct strmap_slot *slot = strmap_put(features, name, strlen(name), &ins);
				if (!slot || (ins && pp_array_grow(names, features->count - 1, &capnames, sizeof(**names), 64))) {
					rc = PP_ENOMEM;
					break;
				}
				if (ins) {
					slot->value = features->count - 1;
					(*names)[slot->value] = slot->key;
				}
			}
			char date[32];
			time_format_rfc3339(r.at, date);
			date[10] = 0;
			size_t d = 0;
			while (d < *ndays && strcmp((*days)[d].date, date))
				d++;
			if (d == *ndays) {
				if (pp_array_grow(days, *ndays, &capdays, sizeof(**days), 8)) {
					json_decref(j);
					rc = PP_ENOMEM;
					break;
				}
				memset(&(*days)[d], 0, sizeof(**days));
				memcpy((*days)[d].date, date, 11);
				(*ndays)++;
			}
			if (pp_array_grow(&(*days)[d].r, (*days)[d].n, &(*days)[d].cap, sizeof(struct record), 256)) {
				json_decref(j);
				rc = PP_ENOMEM;
				break;
			}
			(*days)[d].r[(*days)[d].n++] = r;
			st->rows++;
		}
	}
	buf_release(&text);
	raw_segment_list_release(&segs);
	if (*ndays > 1)
		qsort(*days, *ndays, sizeof(**days), by_date);
	return rc;
}

static int put_opt_string(struct pq_writer *w, const json_t *v)
{
	return json_is_string(v) ? pq_put_str(w, json_string_value(v), json_string_length(v)) : pq_put_null(w);
}

static int put_opt_double(struct pq_writer *w, const json_t *v)
{
	return json_is_number(v) && isfinite(json_number_value(v)) ? pq_put_double(w, json_number_value(v)) : pq_put_null(w);
}

static int encode_day(const struct day *d, const struct pq_column_def *cols, size_t ncols, const char *const *names,
		      size_t nf, struct buf *out)
{
	struct pq_writer_opts o;
	struct pq_writer *w;
	int rc;

	pq_writer_opts_default(&o);
	if ((rc = pq_writer_open(&w, cols, ncols, &o)))
		return rc;
	for (size_t i = 0; i < d->n && !rc; i++) {
		const json_t *j = d->r[i].j, *f = json_object_get(j, "features");
		rc = pq_put_i64(w, d->r[i].ts);
		rc = rc ? rc : pq_put_i64(w, d->r[i].at);
		rc = rc ? rc : put_opt_string(w, json_object_get(j, "model_version"));
		for (int k = 0; k < K__COUNT && !rc; k++)
			rc = put_opt_string(w, json_object_get(j, key_names[k]));
		rc = rc ? rc : pq_put_double(w, json_number_value(json_object_get(j, "probability")));
		rc = rc ? rc : pq_put_bool(w, json_is_true(json_object_get(j, "label")));
		rc = rc ? rc : put_opt_double(w, json_object_get(j, "latency_us"));
		for (size_t k = 0; k < nf && !rc; k++)
			rc = put_opt_double(w, json_object_get(f, names[k]));
		rc = rc ? rc : pq_end_row(w);
	}
	if (rc) {
		pq_writer_abort(w);
		return rc;
	}
	return pq_writer_finish(w, out);
}

int etl_predictions(struct lake_fs *fs, struct predictions_stats *st)
{
	static const char *const part[] = { "event_date" };
	struct day *days = NULL;
	size_t ndays = 0;
	struct strmap features;
	const char **names = NULL;
	struct pq_column_def *cols = NULL;
	struct delta_field *fields = NULL;
	struct delta_snapshot base;
	bool have_base = false;
	struct delta_txn t;
	struct buf file = BUF_INIT;
	int rc;

	memset(st, 0, sizeof(*st));
	st->version = -1;
	strmap_init(&features);
	if ((rc = read_log(fs, st, &days, &ndays, &features, &names)) || !st->rows)
		goto out;
	size_t nf = features.count, ncols = FIXED + nf;
	st->features = nf;
	if (!(cols = pp_calloc(ncols, sizeof(*cols))) || !(fields = pp_calloc(ncols + 1, sizeof(*fields)))) {
		rc = PP_ENOMEM;
		goto out;
	}
	cols[0] = (struct pq_column_def){ "ts", PQ_TIMESTAMP_MS, false, false };
	cols[1] = (struct pq_column_def){ "at", PQ_TIMESTAMP_MS, false, false };
	cols[2] = (struct pq_column_def){ "model_version", PQ_STRING, true, true };
	for (int k = 0; k < K__COUNT; k++)
		cols[3 + k] = (struct pq_column_def){ key_names[k], PQ_STRING, true, true };
	cols[7] = (struct pq_column_def){ "probability", PQ_DOUBLE, false, false };
	cols[8] = (struct pq_column_def){ "label", PQ_BOOLEAN, false, false };
	cols[9] = (struct pq_column_def){ "latency_us", PQ_DOUBLE, true, false };
	for (size_t k = 0; k < nf; k++)
		cols[FIXED + k] = (struct pq_column_def){ names[k], PQ_DOUBLE, true, false };
	/* the whole table again: the old files removed, the days written */
	if (!(rc = delta_snapshot_load(fs, PREDICTIONS_TABLE, -1, &base)))
		have_base = true;
	else if (rc == PP_ENOENT) {
		pp_error_clear();
		rc = 0;
	} else {
		goto out;
	}
	delta_txn_begin(&t, fs, PREDICTIONS_TABLE, have_base ? &base : NULL);
	delta_fields_of(cols, ncols, part[0], fields);
	delta_txn_metadata(&t, fields, ncols + 1, part, 1);
	for (size_t f = 0; have_base && f < base.nfiles; f++)
		delta_txn_remove(&t, &base.files[f]);
	for (size_t d = 0; d < ndays && !rc; d++) {
		const char *pv[] = { days[d].date };
		buf_reset(&file);
		if (!(rc = encode_day(&days[d], cols, ncols, names, nf, &file)))
			delta_txn_add_parquet(&t, pv, &file, (int64_t)days[d].n, NULL);
	}
	if (rc)
		delta_txn_abort(&t);
	else
		rc = delta_txn_commit(&t, have_base ? "WRITE" : "CREATE TABLE", &st->version);
out:
	if (have_base)
		delta_snapshot_release(&base);
	for (size_t d = 0; d < ndays; d++) {
		for (size_t i = 0; i < days[d].n; i++)
			json_decref(days[d].r[i].j);
		pp_free(days[d].r);
	}
	pp_free(days);
	pp_free(names);
	pp_free(cols);
	pp_free(fields);
	strmap_release(&features);
	buf_release(&file);
	return rc;
}
