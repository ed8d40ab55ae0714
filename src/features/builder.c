/* Training sets from the processed lake (builder.h). */
#include "features/builder.h"
#include "features/event_table.h"
#include "core/err.h"
#include "core/hash.h"
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
#include <pthread.h>

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
/* ---- the writing side: the table's day files and the matrix, fed point by point ---- */

struct set_writer {
	const struct event_table *ev;
	const struct feature_registry *r;
	struct pq_column_def *cols;
	size_t ncols;
	struct day_out *days;
	size_t ndays;
	struct buf labels, ts, groups, values; /* the matrix's sections */
};

static int write_matrix(struct lake_fs *fs, const struct feature_registry *r, const struct build_stats *st,
			const struct set_writer *w)
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
	head = json_pack("{s:I,s:I,s:o,s:s,s:I,s:s,s:s,s:[s,s,s,s]}", "rows", (json_int_t)st->points, "cols",
			 (json_int_t)r->nfeatures, "features", names, "registry", r->hash, "events_version",
			 (json_int_t)st->version, "dtype", "f32le", "label", "label", "sections", "label:f32le",
			 "ts:i64le", "group:u64le", "values:f32le");
	if (!head || !(text = json_dumps(head, JSON_COMPACT)) ||
	    buf_printf(&h, "%s\n%s\n", TRAINING_MATRIX_MAGIC, text))
		rc = PP_ENOMEM;
	if (!rc) {
		struct iovec iov[5] = { { h.data, h.len }, { w->labels.data, w->labels.len },
					{ w->ts.data, w->ts.len }, { w->groups.data, w->groups.len },
					{ w->values.data, w->values.len } };
		rc = fs->ops->put(fs, TRAINING_MATRIX, iov, 5, false);
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


/* Point i (an event of ev) with its label and vector into its day's file and the matrix.
 * Points come in time order, so a day is done when the next starts: its file is encoded
 * then and its column buffers freed. */
static int writer_add(struct set_writer *w, size_t i, bool label, const double *vec)
{
	const struct event_table *ev = w->ev;
	size_t nf = w->r->nfeatures;
	struct day_out *d = w->ndays && !strcmp(w->days[w->ndays - 1].date, ev->date[i]) ? &w->days[w->ndays - 1]
											       : NULL;
	float lf = label, *row;
	int rc;

	for (size_t j = 0; !d && j < w->ndays; j++)
		if (!strcmp(w->days[j].date, ev->date[i]))
			d = &w->days[j];
	if (!d && w->ndays && w->days[w->ndays - 1].w) {
		rc = pq_writer_finish(w->days[w->ndays - 1].w, &w->days[w->ndays - 1].file);
		w->days[w->ndays - 1].w = NULL;
		if (rc)
			return rc;
	}
	if (d && !d->w)
		return pp_error(PP_EORDER, "processed/events: %s comes back after %s", d->date,
				w->days[w->ndays - 1].date);
	if (!d) {
		struct pq_writer_opts po;
		if (w->ndays == 400)
			return pp_error(PP_ELIMIT, "a training set spans at most 400 days: give --from and --to");
		d = &w->days[w->ndays++];
		memcpy(d->date, ev->date[i], 11);
		buf_init(&d->file, 0);
		pq_writer_opts_default(&po);
		if ((rc = pq_writer_open(&d->w, w->cols, w->ncols, &po)))
			return rc;
	}
	size_t slen = strlen(ev->session[i]);
	uint64_t group = pp_hash64(ev->session[i], slen, 0);
	pq_put_str(d->w, ev->session[i], slen);
	pq_put_str(d->w, ev->visitor[i], strlen(ev->visitor[i]));
	pq_put_str(d->w, ev->item[i], strlen(ev->item[i]));
	pq_put_i64(d->w, ev->ts[i]);
	pq_put_i32(d->w, label);
	for (size_t f = 0; f < nf; f++)
		isnan(vec[f]) ? pq_put_null(d->w) : pq_put_double(d->w, vec[f]);
	if ((rc = pq_end_row(d->w)) || (rc = buf_append(&w->labels, &lf, sizeof(lf))) ||
	    (rc = buf_append(&w->ts, &ev->ts[i], sizeof(int64_t))) ||
	    (rc = buf_append(&w->groups, &group, sizeof(group))) ||
	    (rc = buf_grow(&w->values, nf * sizeof(float))))
		return rc;
	row = (float *)(w->values.data + w->values.len);
	for (size_t f = 0; f < nf; f++)
		row[f] = (float)vec[f];
	w->values.len += nf * sizeof(float);
	d->rows++;
	return 0;
}

/* ---- replaying and writing at once: points go over in chunks to a writer thread ---- */

#define CHUNK_POINTS 8192
#define CHUNKS 3 /* one filling, one writing, one waiting */

struct chunk {
	size_t n;
	uint32_t *event;  /* the point's event (row of ev) */
	uint8_t *label;
	double *vec;      /* n x nfeatures */
};

struct handoff {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct chunk chunks[CHUNKS];
	struct chunk *full[CHUNKS], *empty[CHUNKS];
	size_t nfull, nempty;
	bool done;  /* the replay has handed over its last chunk */
	int rc;     /* the writer's first error, and its message (errors are per thread) */
	char msg[1024];
	struct set_writer *w;
	uint64_t waited_ns[2]; /* the replay waiting for room, the writer for points */
};

static struct chunk *next_chunk(struct handoff *h, struct chunk **list, size_t *n, bool full)
{
	struct chunk *c = NULL;
	uint64_t t0 = time_mono_ns();

	pthread_mutex_lock(&h->mu);
	while (!*n && !(full && h->done))
		pthread_cond_wait(&h->cv, &h->mu);
	h->waited_ns[full] += time_mono_ns() - t0;
	if (*n) {
		c = list[0];
		memmove(list, list + 1, --*n * sizeof(*list));
	}
	pthread_mutex_unlock(&h->mu);
	return c;
}

static void give_chunk(struct handoff *h, struct chunk **list, size_t *n, struct chunk *c)
{
	pthread_mutex_lock(&h->mu);
	list[(*n)++] = c;
	pthread_cond_broadcast(&h->cv);
	pthread_mutex_unlock(&h->mu);
}

static void *writer_thread(void *arg)
{
	struct handoff *h = arg;
	size_t nf = h->w->r->nfeatures;
	struct chunk *c;

	while ((c = next_chunk(h, h->full, &h->nfull, true))) {
		for (size_t k = 0; k < c->n && !h->rc; k++)
			if ((h->rc = writer_add(h->w, c->event[k], c->label[k], c->vec + k * nf)))
				snprintf(h->msg, sizeof(h->msg), "%s", pp_errmsg());
		c->n = 0;
		give_chunk(h, h->empty, &h->nempty, c);
	}
	return NULL;
}


int features_build(struct lake_fs *fs, const struct feature_registry *r, const struct build_opts *o,
		   struct build_stats *st)
{
	struct event_table ev = { 0 };
	int64_t *first_tx = NULL; /* per session id: its first purchase's time, 0: none */
	bool *bot = NULL;         /* per visitor id */
	uint32_t *cand = NULL, *seen = NULL, *chosen = NULL; /* per session id, when sampling */
	struct rng rg;
	size_t nstrings, nf = r->nfeatures;
	struct feature_engine *eng = NULL;
	const struct radix_rec *sorted;
	struct curated_part *parts = NULL;
	struct set_writer w = { .r = r, .ncols = FIXED_COLS + r->nfeatures, .labels = BUF_INIT,
				.ts = BUF_INIT, .groups = BUF_INIT, .values = BUF_INIT };
	struct handoff h = { .w = &w };
	struct chunk *c = NULL;
	pthread_t writer;
	bool writing = false;
	double *vec = NULL;
	uint64_t t0 = time_mono_ns();
	int rc;

	memset(st, 0, sizeof(*st));
	pthread_mutex_init(&h.mu, NULL);
	pthread_cond_init(&h.cv, NULL);
	if ((rc = event_table_read(fs, o->to, &ev, &st->version)))
		goto out;
	w.ev = &ev;
	nstrings = ev.strings.count + 1;
	if (!(first_tx = pp_calloc(nstrings, sizeof(*first_tx))) || !(bot = pp_calloc(nstrings, sizeof(*bot)))) {
		rc = PP_ENOMEM;
		goto out;
	}
	if (!o->include_bots && (rc = read_bots(fs, &ev.strings, bot)))
		goto out;
	st->events = ev.n;
	log_debug("features build: %zu events read (%.2f s)", ev.n, (double)(time_mono_ns() - t0) / 1e9);
	w.cols = pp_calloc(w.ncols, sizeof(*w.cols));
	vec = pp_calloc(registry_vector_size(r), sizeof(*vec));
	w.days = pp_calloc(400, sizeof(*w.days));
	if (!w.cols || !vec || !w.days || !(sorted = event_table_by_time(&ev))) {
		rc = PP_ENOMEM;
		goto out;
	}
	for (size_t k = 0; k < CHUNKS; k++) {
		struct chunk *ch = &h.chunks[k];
		if (!(ch->event = pp_malloc(CHUNK_POINTS * sizeof(*ch->event))) ||
		    !(ch->label = pp_malloc(CHUNK_POINTS)) ||
		    !(ch->vec = pp_malloc(CHUNK_POINTS * (nf + REQ__COUNT) * sizeof(double)))) {
			rc = PP_ENOMEM;
			goto out;
		}
		h.empty[h.nempty++] = ch;
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
	w.cols[0] = (struct pq_column_def){ "session_id", PQ_STRING, false, true };
	w.cols[1] = (struct pq_column_def){ "visitor_id", PQ_STRING, false, true };
	w.cols[2] = (struct pq_column_def){ "item_id", PQ_STRING, false, true };
	w.cols[3] = (struct pq_column_def){ "ts", PQ_TIMESTAMP_MS, false, false };
	w.cols[4] = (struct pq_column_def){ "label", PQ_INT32, false, false };
	for (size_t f = 0; f < nf; f++)
		w.cols[FIXED_COLS + f] = (struct pq_column_def){ r->names[f], PQ_DOUBLE, true, false };
	if ((rc = engine_open(&eng, r)))
		goto out;
	if (pthread_create(&writer, NULL, writer_thread, &h)) {
		rc = pp_error(PP_ENOMEM, "features build: cannot start the writer thread");
		goto out;
	}
	writing = true;
	/* the replay: every event into the engine, each point's vector over to the writer */
	for (size_t k = 0; k < ev.n && !rc; k++) {
		size_t i = sorted[k].value;
		int64_t tx;
		struct fe_event e = { .ts = ev.ts[i], .type = (enum event_type)ev.type[i], .price = ev.price[i] };
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
		if (!c && !(c = next_chunk(&h, h.empty, &h.nempty, false)))
			break;
		/* the vector straight into the chunk (its on-demand slots need the room after) */
		if ((rc = engine_vector_ids(eng, ev.ts[i], ev.ids[i], vec)))
			break;
		memcpy(c->vec + c->n * nf, vec, nf * sizeof(double));
		c->event[c->n] = (uint32_t)i;
		c->label[c->n++] = tx != 0;
		st->points++;
		st->positives += tx != 0;
		if (c->n == CHUNK_POINTS) {
			give_chunk(&h, h.full, &h.nfull, c);
			c = NULL;
			if (h.rc) /* the writer failed: stop replaying */
				break;
		}
	}
	if (c && c->n) {
		give_chunk(&h, h.full, &h.nfull, c);
		c = NULL;
	}
	pthread_mutex_lock(&h.mu);
	h.done = true;
	pthread_cond_broadcast(&h.cv);
	pthread_mutex_unlock(&h.mu);
	pthread_join(writer, NULL);
	writing = false;
	if (!rc && h.rc)
		rc = pp_error(h.rc, "%s", h.msg);
	if (rc)
		goto out;
	log_debug("features build: %" PRIu64 " points replayed (%.2f s; the replay waited %.2f s for the "
		  "writer, the writer %.2f s for points)", st->points, (double)(time_mono_ns() - t0) / 1e9,
		  (double)h.waited_ns[0] / 1e9, (double)h.waited_ns[1] / 1e9);
	if (!(parts = pp_calloc(w.ndays + 1, sizeof(*parts)))) {
		rc = PP_ENOMEM;
		goto out;
	}
	for (size_t j = 0; j < w.ndays && !rc; j++) {
		if (w.days[j].w)
			rc = pq_writer_finish(w.days[j].w, &w.days[j].file);
		w.days[j].w = NULL;
		parts[j] = (struct curated_part){ w.days[j].date, &w.days[j].file, w.days[j].rows };
	}
	if (!rc && !w.ndays)
		rc = pp_error(PP_EINVAL, "no prediction points between %s and %s", o->from[0] ? o->from : "the start",
			      o->to[0] ? o->to : "the end");
	if (!rc)
		rc = curated_rewrite(fs, TRAINING_SET_TABLE, w.cols, w.ncols, parts, w.ndays);
	if (!rc)
		rc = write_matrix(fs, r, st, &w);
out:
	if (writing) { /* an early way out: the writer is told to stop */
		pthread_mutex_lock(&h.mu);
		h.done = true;
		pthread_cond_broadcast(&h.cv);
		pthread_mutex_unlock(&h.mu);
		pthread_join(writer, NULL);
	}
	st->seconds = (double)(time_mono_ns() - t0) / 1e9;
	for (size_t j = 0; w.days && j < w.ndays; j++) {
		if (w.days[j].w)
			pq_writer_abort(w.days[j].w);
		buf_release(&w.days[j].file);
	}
	for (size_t k = 0; k < CHUNKS; k++) {
		pp_free(h.chunks[k].event);
		pp_free(h.chunks[k].label);
		pp_free(h.chunks[k].vec);
	}
	pthread_cond_destroy(&h.cv);
	pthread_mutex_destroy(&h.mu);
	engine_close(eng);
	pp_free(w.days);
	pp_free(parts);
	pp_free(w.cols);
	pp_free(vec);
	buf_release(&w.labels);
	buf_release(&w.ts);
	buf_release(&w.groups);
	buf_release(&w.values);
	pp_free(first_tx);
	pp_free(bot);
	pp_free(cand);
	pp_free(seen);
	pp_free(chosen);
	event_table_release(&ev);
	return rc;
}
