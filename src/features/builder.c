/* Training sets from the processed lake (builder.h). */
#include "features/builder.h"
#include "features/event_table.h"
#include "core/err.h"
#include "core/hash.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/numsort.h"
#include "core/parallel.h"
#include "core/rng.h"
#include "core/strmap.h"
#include "core/timeutil.h"
#include "etl/curated.h"
#include "features/columns.h"
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

/*
 * The matrix, written into its object as the days are done (each day's rows of values at
 * their place), its header and per-row sections once every day is; the host is
 * little-endian (checked).
 */
struct matrix_out {
	struct lake_writer out;
	bool open;
	struct buf head;          /* the header lines */
	float *labels;            /* per point */
	int64_t *ts;
	uint64_t *groups;
	uint64_t values_at;       /* where the values start */
};

static int matrix_open(struct matrix_out *m, struct lake_fs *fs, const struct feature_registry *r,
		       const struct build_stats *st)
{
	json_t *names = json_array(), *head;
	char *text = NULL;
	size_t n = st->points;
	uint16_t one = 1;
	int rc = 0;

	if (*(const uint8_t *)&one != 1)
		return pp_error(PP_EINVAL, "the training matrix is little-endian; this machine is not");
	for (size_t f = 0; f < r->nfeatures; f++)
		json_array_append_new(names, json_string(r->names[f]));
	head = json_pack("{s:I,s:I,s:o,s:s,s:I,s:s,s:s,s:[s,s,s,s]}", "rows", (json_int_t)st->points, "cols",
			 (json_int_t)r->nfeatures, "features", names, "registry", r->hash, "events_version",
			 (json_int_t)st->version, "dtype", "f32le", "label", "label", "sections", "label:f32le",
			 "ts:i64le", "group:u64le", "values:f32le");
	if (!head || !(text = json_dumps(head, JSON_COMPACT)) ||
	    buf_printf(&m->head, "%s\n%s\n", TRAINING_MATRIX_MAGIC, text) ||
	    !(m->labels = pp_malloc((n + 1) * sizeof(float))) || !(m->ts = pp_malloc((n + 1) * sizeof(int64_t))) ||
	    !(m->groups = pp_malloc((n + 1) * sizeof(uint64_t))))
		rc = PP_ENOMEM;
	free(text); /* jansson's */
	json_decref(head);
	m->values_at = m->head.len + n * (sizeof(float) + sizeof(int64_t) + sizeof(uint64_t));
	if (!rc && !(rc = lake_writer_open(&m->out, fs, TRAINING_MATRIX,
					   m->values_at + (uint64_t)n * r->nfeatures * sizeof(float), false)))
		m->open = true;
	return rc;
}

/* Rows [p0, p0 + n) of values. */
static int matrix_rows(struct matrix_out *m, size_t nf, size_t p0, const float *rows, size_t n)
{
	return lake_writer_pwrite(&m->out, rows, n * nf * sizeof(float),
				  m->values_at + (uint64_t)p0 * nf * sizeof(float));
}

/* The header and per-row sections, and the object made visible. */
static int matrix_commit(struct matrix_out *m, size_t n)
{
	const struct iovec sec[4] = { { m->head.data, m->head.len },
				      { m->labels, n * sizeof(float) },
				      { m->ts, n * sizeof(int64_t) },
				      { m->groups, n * sizeof(uint64_t) } };
	uint64_t at = 0;
	int rc = 0;

	for (int k = 0; k < 4 && !rc; k++) {
		rc = lake_writer_pwrite(&m->out, sec[k].iov_base, sec[k].iov_len, at);
		at += sec[k].iov_len;
	}
	m->open = false;
	if (rc) {
		lake_writer_abort(&m->out);
		return rc;
	}
	return lake_writer_commit(&m->out);
}

static void matrix_close(struct matrix_out *m)
{
	if (m->open)
		lake_writer_abort(&m->out);
	buf_release(&m->head);
	pp_free(m->labels);
	pp_free(m->ts);
	pp_free(m->groups);
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

#define TILE 64 /* rows turned from rows into columns or back at a time */
#define FIXED_COLS 5 /* session_id, visitor_id, item_id, ts, label; then the features */
#define MAX_DAYS 400

/* A day of points (a run of rows, the points being in time order) and its file, stored
 * in the table's directory by the worker that made it (added by the commit). */
struct day_out {
	char date[11];
	size_t p0, p1;
	struct delta_stored stored;
};

/* A worker's room for one day's columns, sized for the largest day and used for each. */
struct day_room {
	double **slot;        /* per slot of the vector: its column in values */
	double *values;       /* the day's vectors column by column (request values too) */
	struct span *ids;     /* session, visitor, item */
	uint32_t *nums;       /* their dense ids */
	int32_t *labels;
	float *rows;          /* the day's rows of the matrix */
	struct pq_values *cols;
	struct buf file;      /* the day's Parquet file */
	bool ready;
};

/* What the days are written from. */
struct set_writer {
	struct lake_fs *fs;
	const struct feature_registry *r;
	const struct event_table *ev;
	const uint32_t *event; /* per point: its row of ev */
	const uint8_t *label;  /* per point */
	double *const *block;  /* per view: its values, a row per point (columns.h) */
	const struct pq_column_def *cols;
	size_t ncols;
	struct day_out *days;
	size_t most;           /* points of the largest day */
	struct day_room *room; /* per worker */
	struct matrix_out m;
};

static int room_open(struct day_room *dr, const struct set_writer *w)
{
	size_t n = w->most;

	if (dr->ready)
		return 0;
	dr->slot = pp_malloc(registry_vector_size(w->r) * sizeof(*dr->slot));
	dr->values = pp_malloc((n * registry_vector_size(w->r) + 1) * sizeof(*dr->values));
	dr->ids = pp_malloc((3 * n + 1) * sizeof(*dr->ids));
	dr->nums = pp_malloc((3 * n + 1) * sizeof(*dr->nums));
	dr->labels = pp_malloc((n + 1) * sizeof(*dr->labels));
	dr->rows = pp_malloc((n * w->r->nfeatures + 1) * sizeof(*dr->rows));
	dr->cols = pp_calloc(w->ncols, sizeof(*dr->cols));
	buf_init(&dr->file, 0);
	pp_advise_huge(dr->values, n * registry_vector_size(w->r) * sizeof(*dr->values));
	dr->ready = dr->slot && dr->values && dr->ids && dr->nums && dr->labels && dr->rows && dr->cols;
	return dr->ready ? 0 : PP_ENOMEM;
}

static void room_close(struct day_room *dr)
{
	pp_free(dr->slot);
	pp_free(dr->values);
	pp_free(dr->ids);
	pp_free(dr->nums);
	pp_free(dr->labels);
	pp_free(dr->rows);
	pp_free(dr->cols);
	buf_release(&dr->file);
}

/* The day's vectors into dr's columns (views, request values, on-demand features), with
 * its points' identifiers, labels and the matrix's per-row sections. */
static void day_columns(struct set_writer *w, const struct day_out *day, struct day_room *dr)
{
	const struct feature_registry *r = w->r;
	const struct event_table *ev = w->ev;
	size_t nf = r->nfeatures, n = day->p1 - day->p0;
	double **slot = dr->slot;

	for (size_t f = 0; f < registry_vector_size(r); f++)
		slot[f] = dr->values + f * n;
	/* the views' rows turned into columns a tile of rows at a time (each column's stream
	 * stays in cache while its tile is done) */
	for (size_t j0 = 0; j0 < n; j0 += TILE) {
		size_t j1 = j0 + TILE < n ? j0 + TILE : n;
		for (size_t v = 0; v < r->nviews; v++) {
			const struct feature_view *view = &r->views[v];
			const double *vals = w->block[v] + day->p0 * view->n;
			for (size_t k = 0; k < view->n; k++) {
				double *col = slot[view->f[k].slot];
				for (size_t j = j0; j < j1; j++)
					col[j] = vals[j * view->n + k];
			}
		}
	}
	for (size_t j = 0; j < n; j++) {
		size_t p = day->p0 + j, i = w->event[p];
		double req[REQ__COUNT];
		engine_request_values(ev->ts[i], req);
		for (int q = 0; q < REQ__COUNT; q++)
			slot[nf + q][j] = req[q];
		dr->ids[j] = (struct span){ ev->session[i], strlen(ev->session[i]) };
		dr->ids[n + j] = (struct span){ ev->visitor[i], strlen(ev->visitor[i]) };
		dr->ids[2 * n + j] = (struct span){ ev->item[i], strlen(ev->item[i]) };
		dr->nums[j] = (uint32_t)ev->ids[i][EK_SESSION];
		dr->nums[n + j] = (uint32_t)ev->ids[i][EK_VISITOR];
		dr->nums[2 * n + j] = (uint32_t)ev->ids[i][EK_ITEM];
		dr->labels[j] = w->label[p];
		w->m.labels[p] = w->label[p];
		w->m.ts[p] = ev->ts[i];
		w->m.groups[p] = pp_hash64(dr->ids[j].p, dr->ids[j].len, 0);
	}
	registry_on_demand_columns(r, slot, n);
}

/* The day's rows of the matrix from its columns (a tile at a time), into the matrix. */
static int day_matrix_rows(struct set_writer *w, const struct day_out *day, const struct day_room *dr)
{
	size_t nf = w->r->nfeatures, n = day->p1 - day->p0;
	float *rows = dr->rows;

	for (size_t j0 = 0; j0 < n; j0 += TILE) {
		size_t j1 = j0 + TILE < n ? j0 + TILE : n;
		for (size_t f = 0; f < nf; f++) {
			const double *col = dr->slot[f];
			for (size_t j = j0; j < j1; j++)
				rows[j * nf + f] = (float)col[j];
		}
	}
	return matrix_rows(&w->m, nf, day->p0, rows, n);
}

/* The day's Parquet file, column by column, stored in the table's directory. */
static int day_file(struct set_writer *w, struct day_out *day, struct day_room *dr)
{
	static const char *const partcols[] = { "event_date" };
	const char *pv[] = { day->date };
	size_t nf = w->r->nfeatures, n = day->p1 - day->p0;
	struct pq_values *cols = dr->cols;
	struct pq_writer_opts po;
	struct pq_writer *pw;
	int rc;

	for (int c = 0; c < 3; c++)
		cols[c] = (struct pq_values){ .v = dr->ids + c * n, .ids = dr->nums + c * n };
	cols[3] = (struct pq_values){ .v = w->m.ts + day->p0 };
	cols[4] = (struct pq_values){ .v = dr->labels };
	for (size_t f = 0; f < nf; f++)
		cols[FIXED_COLS + f] = (struct pq_values){ .v = dr->slot[f], .nan_is_null = true };
	pq_writer_opts_default(&po);
	if ((rc = pq_writer_open(&pw, w->cols, w->ncols, &po)))
		return rc;
	if ((rc = pq_put_columns(pw, cols, n))) {
		pq_writer_abort(pw);
		return rc;
	}
	buf_reset(&dr->file);
	if ((rc = pq_writer_finish(pw, &dr->file)))
		return rc;
	return delta_store_parquet(w->fs, TRAINING_SET_TABLE, partcols, 1, pv, &dr->file, &day->stored);
}

/* Task d: day d's points, their vectors made whole, into the day's file and their rows of
 * the matrix. */
static int write_day(void *arg, size_t d, unsigned worker)
{
	struct set_writer *w = arg;
	struct day_out *day = &w->days[d];
	struct day_room *dr = &w->room[worker];
	int rc;

	if ((rc = room_open(dr, w)))
		return rc;
	day_columns(w, day, dr);
	if ((rc = day_matrix_rows(w, day, dr)) || (rc = day_file(w, day, dr)))
		return pp_error_wrap(rc, "training set, %s", day->date);
	return 0;
}

/* The points' days: runs of one date (points are in time order, and so their dates). */
static int find_days(const struct event_table *ev, const uint32_t *event, size_t npoints, struct day_out *days,
		     size_t *ndays)
{
	*ndays = 0;
	for (size_t p = 0; p < npoints; p++) {
		const char *date = ev->date[event[p]];
		struct day_out *last = *ndays ? &days[*ndays - 1] : NULL;
		if (last && !strcmp(last->date, date)) {
			last->p1 = p + 1;
			continue;
		}
		if (last && strcmp(date, last->date) < 0)
			return pp_error(PP_EORDER, "processed/events: %s comes back after %s", date, last->date);
		if (*ndays == MAX_DAYS)
			return pp_error(PP_ELIMIT, "a training set spans at most %d days: give --from and --to",
					MAX_DAYS);
		last = &days[(*ndays)++];
		memcpy(last->date, date, 11);
		last->p0 = p;
		last->p1 = p + 1;
	}
	return 0;
}

/* The days written, by `threads` workers. */
static int write_days(struct set_writer *w, size_t ndays, unsigned threads)
{
	int rc;

	w->most = 0;
	for (size_t d = 0; d < ndays; d++)
		if (w->days[d].p1 - w->days[d].p0 > w->most)
			w->most = w->days[d].p1 - w->days[d].p0;
	if (!(w->room = pp_calloc(threads, sizeof(*w->room))))
		return PP_ENOMEM;
	rc = parallel_run(ndays, threads, write_day, w);
	for (unsigned k = 0; k < threads; k++)
		room_close(&w->room[k]);
	pp_free(w->room);
	w->room = NULL;
	return rc;
}

/* The replay's events and the points among them. */
struct replay {
	struct replay_event *rep; /* the events in time order */
	uint32_t *event;          /* per point: its row of ev */
	uint8_t *label;           /* per point */
};

/*
 * The events of ev in time order (`sorted`) as the replay takes them
 * (columns_replay_events), and which are prediction points (before the session's first
 * purchase, in the window, not a bot's, drawn when sampling) with their labels. st gets
 * the counts.
 */
static int mark_points(const struct event_table *ev, const struct radix_rec *sorted, const struct build_opts *o,
		       const bool *bot, struct replay *out, struct build_stats *st)
{
	size_t nstrings = ev->strings.count + 1;
	int64_t *first_tx = pp_calloc(nstrings, sizeof(*first_tx)); /* per session: 0, none */
	uint32_t *cand = NULL, *seen = NULL, *chosen = NULL; /* per session, when sampling */
	struct rng rg;
	int rc = 0;

	out->rep = pp_malloc((ev->n + 1) * sizeof(*out->rep));
	out->event = pp_malloc((ev->n + 1) * sizeof(*out->event));
	out->label = pp_malloc(ev->n + 1);
	if (!first_tx || !out->rep || !out->event || !out->label) {
		rc = PP_ENOMEM;
		goto out;
	}
	if ((rc = columns_replay_events(ev, sorted, ev->n, out->rep)))
		goto out;
	/* each session's first transaction: points stop there, and it is their label */
	for (size_t k = 0; k < ev->n; k++) {
		size_t i = sorted[k].value;
		int64_t sid = ev->ids[i][EK_SESSION];
		if (ev->type[i] == EV_TRANSACTION && !first_tx[sid]) {
			first_tx[sid] = ev->ts[i] ? ev->ts[i] : 1;
			st->buying_sessions++;
		}
	}
	if (o->per_session) { /* each session's candidates, counted before the draw */
		if (!(cand = pp_calloc(nstrings, sizeof(*cand))) || !(seen = pp_calloc(nstrings, sizeof(*seen))) ||
		    !(chosen = pp_calloc(nstrings, sizeof(*chosen)))) {
			rc = PP_ENOMEM;
			goto out;
		}
		for (size_t i = 0; i < ev->n; i++)
			if (is_point(ev, i, o, first_tx))
				cand[ev->ids[i][EK_SESSION]]++;
		rng_seed(&rg, o->seed);
	}
	for (size_t k = 0; k < ev->n; k++) {
		size_t i = sorted[k].value;
		struct replay_event *x = &out->rep[k];
		int64_t tx = first_tx[ev->ids[i][EK_SESSION]];
		if (!is_point(ev, i, o, first_tx))
			continue;
		if (bot[ev->ids[i][EK_VISITOR]]) {
			st->bot_points_skipped++;
			continue;
		}
		if (o->per_session) { /* selection sampling: each session's draw is uniform */
			int64_t sid = ev->ids[i][EK_SESSION];
			uint32_t left = cand[sid] - seen[sid]++;
			if (rng_uniform(&rg) * left >= (double)(o->per_session - chosen[sid])) {
				st->sampled_out++;
				continue;
			}
			chosen[sid]++;
		}
		x->point = (int32_t)st->points;
		out->event[st->points] = (uint32_t)i;
		out->label[st->points++] = tx != 0;
		st->positives += tx != 0;
	}
	if (!st->points)
		rc = pp_error(PP_EINVAL, "no prediction points between %s and %s", o->from[0] ? o->from : "the start",
			      o->to[0] ? o->to : "the end");
out:
	pp_free(first_tx);
	pp_free(cand);
	pp_free(seen);
	pp_free(chosen);
	return rc;
}

int features_build(struct lake_fs *fs, const struct feature_registry *r, const struct build_opts *o,
		   struct build_stats *st)
{
	struct event_table ev = { 0 };
	bool *bot = NULL; /* per visitor id */
	size_t nstrings, nf = r->nfeatures, ndays = 0;
	const struct radix_rec *sorted;
	struct replay rp = { NULL, NULL, NULL };
	double **block = NULL; /* per view: a row of values per point */
	struct day_out *days = NULL;
	struct curated_part *parts = NULL;
	struct pq_column_def *cols = NULL;
	struct set_writer w = { .fs = fs, .r = r, .ncols = FIXED_COLS + nf };
	unsigned threads = parallel_threads();
	bool committed = false;
	uint64_t t0 = time_mono_ns(), t1, t2, t3, t4;
	int rc;

	memset(st, 0, sizeof(*st));
	if ((rc = event_table_read(fs, o->to, &ev, &st->version)))
		goto out;
	nstrings = ev.strings.count + 1;
	if (nstrings > INT32_MAX || ev.n > INT32_MAX) {
		rc = pp_error(PP_ELIMIT, "processed/events: a training set takes at most 2^31 events and ids");
		goto out;
	}
	st->events = ev.n;
	if (!(bot = pp_calloc(nstrings, sizeof(*bot))) || !(sorted = event_table_by_time(&ev))) {
		rc = PP_ENOMEM;
		goto out;
	}
	if (!o->include_bots && (rc = read_bots(fs, &ev.strings, bot)))
		goto out;
	t1 = time_mono_ns();
	if ((rc = mark_points(&ev, sorted, o, bot, &rp, st)))
		goto out;
	if (!(block = pp_calloc(r->nviews + 1, sizeof(*block)))) {
		rc = PP_ENOMEM;
		goto out;
	}
	for (size_t v = 0; v < r->nviews; v++) {
		if (!(block[v] = pp_malloc((st->points * r->views[v].n + 1) * sizeof(double)))) {
			rc = PP_ENOMEM;
			goto out;
		}
		pp_advise_huge(block[v], st->points * r->views[v].n * sizeof(double));
	}
	if ((rc = columns_compute(r, rp.rep, ev.n, nstrings, block, threads)))
		goto out;
	t2 = time_mono_ns();
	pp_free(rp.rep);
	rp.rep = NULL;
	/* the rows: a file per day, the matrix */
	w.ev = &ev;
	w.event = rp.event;
	w.label = rp.label;
	w.block = block;
	if (!(days = pp_calloc(MAX_DAYS, sizeof(*days))) || !(cols = pp_calloc(w.ncols, sizeof(*cols)))) {
		rc = PP_ENOMEM;
		goto out;
	}
	if ((rc = matrix_open(&w.m, fs, r, st)))
		goto out;
	if ((rc = find_days(&ev, rp.event, st->points, days, &ndays)))
		goto out;
	cols[0] = (struct pq_column_def){ "session_id", PQ_STRING, false, false };
	cols[1] = (struct pq_column_def){ "visitor_id", PQ_STRING, false, false };
	cols[2] = (struct pq_column_def){ "item_id", PQ_STRING, false, true };
	cols[3] = (struct pq_column_def){ "ts", PQ_TIMESTAMP_MS, false, false };
	cols[4] = (struct pq_column_def){ "label", PQ_INT32, false, false };
	for (size_t f = 0; f < nf; f++)
		cols[FIXED_COLS + f] = (struct pq_column_def){ r->names[f], PQ_DOUBLE, true, true };
	w.cols = cols;
	w.days = days;
	if ((rc = write_days(&w, ndays, threads)))
		goto out;
	if (!(parts = pp_calloc(ndays + 1, sizeof(*parts)))) {
		rc = PP_ENOMEM;
		goto out;
	}
	for (size_t d = 0; d < ndays; d++)
		parts[d] = (struct curated_part){ .date = days[d].date, .stored = &days[d].stored,
						  .records = (int64_t)(days[d].p1 - days[d].p0) };
	t3 = time_mono_ns();
	if (!(rc = curated_rewrite(fs, TRAINING_SET_TABLE, cols, w.ncols, parts, ndays))) {
		committed = true;
		t4 = time_mono_ns();
		rc = matrix_commit(&w.m, st->points);
		log_debug("features build: %zu events read in %.2f s; %" PRIu64 " points, their views in %.2f s "
			  "(%u threads); %zu days' rows in %.2f s; the table committed in %.2f s, the matrix "
			  "in %.2f s", ev.n, (double)(t1 - t0) / 1e9, st->points, (double)(t2 - t1) / 1e9, threads,
			  ndays, (double)(t3 - t2) / 1e9, (double)(t4 - t3) / 1e9,
			  (double)(time_mono_ns() - t4) / 1e9);
	}
out:
	st->seconds = (double)(time_mono_ns() - t0) / 1e9;
	for (size_t d = 0; days && d < ndays; d++) /* (a table not committed: its files dropped) */
		if (committed)
			delta_stored_release(&days[d].stored);
		else
			delta_stored_drop(fs, TRAINING_SET_TABLE, &days[d].stored);
	for (size_t v = 0; block && v < r->nviews; v++)
		pp_free(block[v]);
	pp_free(block);
	pp_free(days);
	pp_free(parts);
	pp_free(cols);
	matrix_close(&w.m);
	pp_free(rp.rep);
	pp_free(rp.event);
	pp_free(rp.label);
	pp_free(bot);
	event_table_release(&ev);
	return rc;
}
