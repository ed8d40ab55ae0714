/* Training sets from the processed lake (builder.h). */
#include "features/builder.h"
#include "features/event_table.h"
#include "core/err.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/numsort.h"
#include "core/rng.h"
#include "core/strmap.h"
#include "core/timeutil.h"
#include "etl/curated.h"
#include "features/engine.h"
#include "lake/delta/delta_rows.h"

#include <jansson.h>
#include <math.h>

/* The visitors curated/visitor_outliers flags, marked by their ids (none when the table
 * is absent; a flagged visitor without events here has no id). */
static int read_bots(struct lake_fs *fs, const struct strmap *strings, bool *bot)
{
	static const char *const names[] = { "visitor_id" };
	struct delta_scan scan;
	int rc = delta_scan_open(&scan, fs, "curated/visitor_outliers", -1, names, 1);

	if (rc == PP_ENOENT) {
		pp_error_clear();
		return 0;
	}
	while (!rc && !(rc = delta_scan_next(&scan)) && scan.rows)
		for (size_t r = 0; r < scan.rows; r++) {
			const struct strmap_slot *s;
			if (scan.col[0] && scan.v[0].valid[r] &&
			    (s = strmap_get(strings, scan.v[0].s[r].p, scan.v[0].s[r].len)))
				bot[s->value] = true;
		}
	delta_scan_close(&scan);
	return rc;
}

/* A day's rows, written as they come. */
struct day_out {
	char date[11];
	struct pq_writer *w;
	struct buf file;
	int64_t rows;
};

/* The matrix file: header lines, labels, values (the host is little-endian: checked). */
static int write_matrix(struct lake_fs *fs, const struct feature_registry *r, const struct build_stats *st,
			const struct buf *labels, const struct buf *values)
{
	json_t *names = json_array(), *head;
	char *text = NULL;
	struct buf h = BUF_INIT;
	int rc = 0;
	uint16_t one = 1;

	if (*(const uint8_t *)&one != 1)
		return pp_error(PP_EINVAL, "the training matrix is little-endian; this machine is not");
	for (size_t f = 0; f < r->nfeatures; f++)
		json_array_append_new(names, json_string(r->names[f]));
	head = json_pack("{s:I,s:I,s:o,s:s,s:I,s:s,s:s}", "rows", (json_int_t)st->points, "cols",
			 (json_int_t)r->nfeatures, "features", names, "registry", r->hash, "events_version",
			 (json_int_t)st->version, "dtype", "f32le", "label", "label");
	if (!head || !(text = json_dumps(head, JSON_COMPACT)) || buf_printf(&h, "PPMATRIX1\n%s\n", text))
		rc = PP_ENOMEM;
	if (!rc) {
		struct iovec iov[3] = { { h.data, h.len }, { labels->data, labels->len },
					{ values->data, values->len } };
		rc = fs->ops->put(fs, TRAINING_MATRIX, iov, 3, false);
	}
	free(text); /* jansson's */
	json_decref(head);
	buf_release(&h);
	return rc;
}

/* Whether row i is a prediction point: not a purchase, in the date window, before its
 * session's first purchase. */
static bool is_point(const struct event_table *ev, size_t i, const struct build_opts *o,
		     const int64_t *first_tx)
{
	int64_t tx = first_tx[ev->ids[i][EK_SESSION]];

	if (ev->type[i] == EV_TRANSACTION || (o->from[0] && strcmp(ev->date[i], o->from) < 0) ||
	    (o->to[0] && strcmp(ev->date[i], o->to) > 0))
		return false;
	return !tx || ev->ts[i] < tx; /* at or after the first purchase: nothing to predict */
}

#define FIXED_COLS 5 /* session_id, visitor_id, item_id, ts, label; then the features */

int features_build(struct lake_fs *fs, const struct feature_registry *r, const struct build_opts *o,
		   struct build_stats *st)
{
	struct event_table ev = { 0 };
	int64_t *first_tx = NULL; /* per session id: its first purchase's time, 0: none */
	bool *bot = NULL;         /* per visitor id */
	uint32_t *cand = NULL, *seen = NULL, *chosen = NULL; /* per session id, when sampling */
	struct rng rg;
	size_t nstrings;
	struct feature_engine *eng = NULL;
	const struct radix_rec *sorted;
	struct pq_column_def *cols = NULL;
	struct day_out *days = NULL;
	struct curated_part *parts = NULL;
	size_t ndays = 0, ncols = FIXED_COLS + r->nfeatures;
	double *vec = NULL;
	struct buf labels = BUF_INIT, values = BUF_INIT;
	uint64_t t0 = time_mono_ns();
	int rc;

	memset(st, 0, sizeof(*st));
	if ((rc = event_table_read(fs, o->to, &ev, &st->version)))
		goto out;
	nstrings = ev.strings.count + 1;
	if (!(first_tx = pp_calloc(nstrings, sizeof(*first_tx))) || !(bot = pp_calloc(nstrings, sizeof(*bot)))) {
		rc = PP_ENOMEM;
		goto out;
	}
	if (!o->include_bots && (rc = read_bots(fs, &ev.strings, bot)))
		goto out;
	st->events = ev.n;
	log_debug("features build: %zu events read (%.2f s)", ev.n, (double)(time_mono_ns() - t0) / 1e9);
	cols = pp_calloc(ncols, sizeof(*cols));
	vec = pp_calloc(registry_vector_size(r), sizeof(*vec));
	days = pp_calloc(400, sizeof(*days));
	if (!cols || !vec || !days || !(sorted = event_table_by_time(&ev))) {
		rc = PP_ENOMEM;
		goto out;
	}
	/* each session's first transaction: points stop there, and it is their label */
	for (size_t k = 0; k < ev.n; k++) {
		size_t i = sorted[k].value;
		int64_t sid = ev.ids[i][EK_SESSION];
		if (ev.type[i] == EV_TRANSACTION && !first_tx[sid]) {
			first_tx[sid] = ev.ts[i] ? ev.ts[i] : 1;
			st->buying_sessions++;
		}
	}
	if (o->per_session) { /* each session's candidates, counted before the draw */
		if (!(cand = pp_calloc(nstrings, sizeof(*cand))) || !(seen = pp_calloc(nstrings, sizeof(*seen))) ||
		    !(chosen = pp_calloc(nstrings, sizeof(*chosen)))) {
			rc = PP_ENOMEM;
			goto out;
		}
		for (size_t i = 0; i < ev.n; i++)
			if (is_point(&ev, i, o, first_tx))
				cand[ev.ids[i][EK_SESSION]]++;
		rng_seed(&rg, o->seed);
	}
	cols[0] = (struct pq_column_def){ "session_id", PQ_STRING, false, true };
	cols[1] = (struct pq_column_def){ "visitor_id", PQ_STRING, false, true };
	cols[2] = (struct pq_column_def){ "item_id", PQ_STRING, false, true };
	cols[3] = (struct pq_column_def){ "ts", PQ_TIMESTAMP_MS, false, false };
	cols[4] = (struct pq_column_def){ "label", PQ_INT32, false, false };
	for (size_t f = 0; f < r->nfeatures; f++)
		cols[FIXED_COLS + f] = (struct pq_column_def){ r->names[f], PQ_DOUBLE, true, false };
	if ((rc = engine_open(&eng, r)))
		goto out;
	for (size_t k = 0; k < ev.n && !rc; k++) {
		size_t i = sorted[k].value;
		int64_t tx;
		struct fe_event e = { .ts = ev.ts[i], .type = (enum event_type)ev.type[i], .price = ev.price[i] };
		struct day_out *d;
		if ((rc = engine_add_ids(eng, &e, ev.ids[i])))
			break;
		if (!is_point(&ev, i, o, first_tx))
			continue;
		tx = first_tx[ev.ids[i][EK_SESSION]];
		if (bot[ev.ids[i][EK_VISITOR]]) {
			st->bot_points_skipped++;
			continue;
		}
		if (o->per_session) { /* selection sampling: each session's draw is uniform */
			int64_t sid = ev.ids[i][EK_SESSION];
			uint32_t left = cand[sid] - seen[sid]++;
			if (rng_uniform(&rg) * left >= (double)(o->per_session - chosen[sid])) {
				st->sampled_out++;
				continue;
			}
			chosen[sid]++;
		}
		if ((rc = engine_vector_ids(eng, ev.ts[i], ev.ids[i], vec)))
			break;
		/* the day's writer: points come in time order, so a day is done when the next
		 * starts (its file encoded then, its column buffers freed) */
		d = ndays && !strcmp(days[ndays - 1].date, ev.date[i]) ? &days[ndays - 1] : NULL;
		for (size_t j = 0; !d && j < ndays; j++)
			if (!strcmp(days[j].date, ev.date[i]))
				d = &days[j];
		if (!d && ndays && days[ndays - 1].w) {
			rc = pq_writer_finish(days[ndays - 1].w, &days[ndays - 1].file);
			days[ndays - 1].w = NULL;
			if (rc)
				break;
		}
		if (d && !d->w) {
			rc = pp_error(PP_EORDER, "processed/events: %s comes back after %s", d->date,
				      days[ndays - 1].date);
			break;
		}
		if (!d) {
			struct pq_writer_opts po;
			if (ndays == 400) {
				rc = pp_error(PP_ELIMIT, "a training set spans at most 400 days: give --from and --to");
				break;
			}
			d = &days[ndays++];
			memcpy(d->date, ev.date[i], 11);
			buf_init(&d->file, 0);
			pq_writer_opts_default(&po);
			if ((rc = pq_writer_open(&d->w, cols, ncols, &po)))
				break;
		}
		pq_put_str(d->w, ev.session[i], strlen(ev.session[i]));
		pq_put_str(d->w, ev.visitor[i], strlen(ev.visitor[i]));
		pq_put_str(d->w, ev.item[i], strlen(ev.item[i]));
		pq_put_i64(d->w, ev.ts[i]);
		pq_put_i32(d->w, tx != 0);
		for (size_t f = 0; f < r->nfeatures; f++)
			isnan(vec[f]) ? pq_put_null(d->w) : pq_put_double(d->w, vec[f]);
		rc = pq_end_row(d->w);
		{ /* the matrix's row */
			float lf = tx != 0, *row;
			if (!rc && !(rc = buf_append(&labels, &lf, sizeof(lf))) &&
			    !(rc = buf_grow(&values, r->nfeatures * sizeof(float)))) {
				row = (float *)(values.data + values.len);
				for (size_t f = 0; f < r->nfeatures; f++)
					row[f] = (float)vec[f];
				values.len += r->nfeatures * sizeof(float);
			}
		}
		d->rows++;
		st->points++;
		st->positives += tx != 0;
	}
	if (rc)
		goto out;
	log_debug("features build: %" PRIu64 " points replayed (%.2f s)", st->points,
		  (double)(time_mono_ns() - t0) / 1e9);
	if (!(parts = pp_calloc(ndays + 1, sizeof(*parts)))) {
		rc = PP_ENOMEM;
		goto out;
	}
	for (size_t j = 0; j < ndays && !rc; j++) {
		if (days[j].w)
			rc = pq_writer_finish(days[j].w, &days[j].file);
		days[j].w = NULL;
		parts[j] = (struct curated_part){ days[j].date, &days[j].file, days[j].rows };
	}
	if (!rc && !ndays)
		rc = pp_error(PP_EINVAL, "no prediction points between %s and %s", o->from[0] ? o->from : "the start",
			      o->to[0] ? o->to : "the end");
	if (!rc)
		rc = curated_rewrite(fs, TRAINING_SET_TABLE, cols, ncols, parts, ndays);
	if (!rc)
		rc = write_matrix(fs, r, st, &labels, &values);
out:
	st->seconds = (double)(time_mono_ns() - t0) / 1e9;
	for (size_t j = 0; days && j < ndays; j++) {
		if (days[j].w)
			pq_writer_abort(days[j].w);
		buf_release(&days[j].file);
	}
	engine_close(eng);
	pp_free(days);
	pp_free(parts);
	pp_free(cols);
	pp_free(vec);
	buf_release(&labels);
	buf_release(&values);
	pp_free(first_tx);
	pp_free(bot);
	pp_free(cand);
	pp_free(seen);
	pp_free(chosen);
	event_table_release(&ev);
	return rc;
}
