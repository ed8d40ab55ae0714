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

/* The matrix's sections, a row per point (the host is little-endian: checked). */
struct matrix_out {
	float *labels, *values; /* values: points x features */
	int64_t *ts;
	uint64_t *groups;
};

static int write_matrix(struct lake_fs *fs, const struct feature_registry *r, const struct build_stats *st,
			const struct matrix_out *m)
{
	json_t *names = json_array(), *head;
	char *text = NULL;
	struct buf h = BUF_INIT;
	size_t n = st->points;
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
		struct iovec iov[5] = { { h.data, h.len },
					{ m->labels, n * sizeof(float) },
					{ m->ts, n * sizeof(int64_t) },
					{ m->groups, n * sizeof(uint64_t) },
					{ m->values, n * r->nfeatures * sizeof(float) } };
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

#define TILE 64 /* rows turned from rows into columns or back at a time */
#define FIXED_COLS 5 /* session_id, visitor_id, item_id, ts, label; then the features */
#define MAX_DAYS 400

/* A day of points (a run of rows, the points being in time order) and its file. */
struct day_out {
	char date[11];
	size_t p0, p1;
	struct buf file;
};

/* A worker's room for one day's columns, sized for the largest day and used for each. */
struct day_room {
	double **slot;        /* per slot of the vector: its column in values */
	double *values;       /* the day's vectors column by column (request values too) */
	struct span *ids;     /* session, visitor, item */
	uint32_t *nums;       /* their dense ids */
	int32_t *labels;
	struct pq_values *cols;
	bool ready;
};

/* What the days are written from. */
struct set_writer {
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
	dr->cols = pp_calloc(w->ncols, sizeof(*dr->cols));
	pp_advise_huge(dr->values, n * registry_vector_size(w->r) * sizeof(*dr->values));
	dr->ready = dr->slot && dr->values && dr->ids && dr->nums && dr->labels && dr->cols;
	return dr->ready ? 0 : PP_ENOMEM;
}

static void room_close(struct day_room *dr)
{
	pp_free(dr->slot);
	pp_free(dr->values);
	pp_free(dr->ids);
	pp_free(dr->nums);
	pp_free(dr->labels);
	pp_free(dr->cols);
}

/* Task d: day d's points, their vectors made whole (on-demand features), into the day's
 * file (column by column) and their rows of the matrix. */
static int write_day(void *arg, size_t d, unsigned worker)
{
	struct set_writer *w = arg;
	const struct feature_registry *r = w->r;
	const struct event_table *ev = w->ev;
	struct day_out *day = &w->days[d];
	size_t nf = r->nfeatures, n = day->p1 - day->p0;
	struct day_room *dr = &w->room[worker];
	struct pq_writer_opts po;
	struct pq_writer *pw = NULL;
	int rc;

	if ((rc = room_open(dr, w)))
		return rc;
	double **slot = dr->slot, *values = dr->values;
	struct span *ids = dr->ids;
	uint32_t *nums = dr->nums;
	int32_t *labels = dr->labels;
	struct pq_values *cols = dr->cols;

	for (size_t f = 0; f < registry_vector_size(r); f++)
		slot[f] = values + f * n;
	/* the views' rows of the day turned into columns, a tile of rows at a time (every
	 * column's stream stays in cache while its tile is done) */
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
		struct civil c;
		civil_from_ms(ev->ts[i], &c);
		slot[nf + REQ_HOUR][j] = c.hour;
		slot[nf + REQ_WEEKDAY][j] = (c.wday + 6) % 7; /* Monday 0, as engine_on_demand */
		ids[j] = (struct span){ ev->session[i], strlen(ev->session[i]) };
		ids[n + j] = (struct span){ ev->visitor[i], strlen(ev->visitor[i]) };
		ids[2 * n + j] = (struct span){ ev->item[i], strlen(ev->item[i]) };
		nums[j] = (uint32_t)ev->ids[i][EK_SESSION];
		nums[n + j] = (uint32_t)ev->ids[i][EK_VISITOR];
		nums[2 * n + j] = (uint32_t)ev->ids[i][EK_ITEM];
		labels[j] = w->label[p];
		w->m.labels[p] = w->label[p];
		w->m.ts[p] = ev->ts[i];
		w->m.groups[p] = pp_hash64(ids[j].p, ids[j].len, 0);
	}
	registry_on_demand_columns(r, slot, n);
	/* the matrix's rows, a tile at a time */
	for (size_t j0 = 0; j0 < n; j0 += TILE) {
		size_t j1 = j0 + TILE < n ? j0 + TILE : n;
		float *rows = w->m.values + day->p0 * nf;
		for (size_t f = 0; f < nf; f++) {
			const double *col = slot[f];
			for (size_t j = j0; j < j1; j++)
				rows[j * nf + f] = (float)col[j];
		}
	}
	for (int c = 0; c < 3; c++)
		cols[c] = (struct pq_values){ .v = ids + c * n, .ids = nums + c * n };
	cols[3].v = w->m.ts + day->p0;
	cols[4].v = labels;
	for (size_t f = 0; f < nf; f++)
		cols[FIXED_COLS + f] = (struct pq_values){ values + f * n, NULL, true };
	pq_writer_opts_default(&po);
	if (!(rc = pq_writer_open(&pw, w->cols, w->ncols, &po)) && (rc = pq_put_columns(pw, cols, n)))
		pq_writer_abort(pw);
	if (!rc)
		rc = pq_writer_finish(pw, &day->file);
	return rc ? pp_error_wrap(rc, "training set, %s", day->date) : 0;
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

int features_build(struct lake_fs *fs, const struct feature_registry *r, const struct build_opts *o,
		   struct build_stats *st)
{
	struct event_table ev = { 0 };
	int64_t *first_tx = NULL; /* per session id: its first purchase's time, 0: none */
	int64_t *last[2] = { NULL, NULL }; /* per session id, per visitor id: its latest event */
	bool *bot = NULL;         /* per visitor id */
	uint32_t *cand = NULL, *seen = NULL, *chosen = NULL; /* per session id, when sampling */
	struct rng rg;
	size_t nstrings, nf = r->nfeatures, ndays = 0;
	const struct radix_rec *sorted;
	struct replay_event *rep = NULL; /* the events in time order */
	uint32_t *event = NULL;          /* per point: its row of ev */
	uint8_t *label = NULL;           /* per point */
	double **block = NULL;           /* per view: a row of values per point */
	struct day_out *days = NULL;
	struct curated_part *parts = NULL;
	struct pq_column_def *cols = NULL;
	struct set_writer w = { .r = r, .ncols = FIXED_COLS + nf };
	unsigned threads = parallel_threads();
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
	if (!(first_tx = pp_calloc(nstrings, sizeof(*first_tx))) || !(bot = pp_calloc(nstrings, sizeof(*bot))) ||
	    !(last[0] = pp_calloc(nstrings, sizeof(*last[0]))) || !(last[1] = pp_calloc(nstrings, sizeof(*last[1]))) ||
	    !(rep = pp_malloc((ev.n + 1) * sizeof(*rep))) || !(event = pp_malloc((ev.n + 1) * sizeof(*event))) ||
	    !(label = pp_malloc(ev.n + 1)) || !(sorted = event_table_by_time(&ev))) {
		rc = PP_ENOMEM;
		goto out;
	}
	if (!o->include_bots && (rc = read_bots(fs, &ev.strings, bot)))
		goto out;
	t1 = time_mono_ns();
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
	/* the replay's events in time order, with the gaps before them and which are points */
	for (size_t k = 0; k < ev.n; k++) {
		size_t i = sorted[k].value;
		struct replay_event *x = &rep[k];
		int64_t tx = first_tx[ev.ids[i][EK_SESSION]];
		*x = (struct replay_event){ .ts = ev.ts[i], .type = ev.type[i], .price = ev.price[i], .point = -1 };
		for (int kind = 0; kind < EK__COUNT; kind++)
			x->id[kind] = (int32_t)ev.ids[i][kind];
		for (int kind = EK_SESSION; kind <= EK_VISITOR; kind++)
			if (x->id[kind] >= 0) {
				x->prev[kind] = engine_clock_prev(last[kind][x->id[kind]], x->ts);
				last[kind][x->id[kind]] = x->ts;
			}
		if (!is_point(&ev, i, o, first_tx))
			continue;
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
		x->point = (int32_t)st->points;
		event[st->points] = (uint32_t)i;
		label[st->points++] = tx != 0;
		st->positives += tx != 0;
	}
	if (!st->points) {
		rc = pp_error(PP_EINVAL, "no prediction points between %s and %s", o->from[0] ? o->from : "the start",
			      o->to[0] ? o->to : "the end");
		goto out;
	}
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
	if ((rc = columns_compute(r, rep, ev.n, nstrings, st->points, block, threads)))
		goto out;
	t2 = time_mono_ns();
	pp_free(rep);
	rep = NULL;
	/* the rows: a file per day, the matrix */
	w.ev = &ev;
	w.event = event;
	w.label = label;
	w.block = block;
	if (!(days = pp_calloc(MAX_DAYS, sizeof(*days))) || !(cols = pp_calloc(w.ncols, sizeof(*cols))) ||
	    !(w.m.labels = pp_malloc(st->points * sizeof(float))) ||
	    !(w.m.ts = pp_malloc(st->points * sizeof(int64_t))) ||
	    !(w.m.groups = pp_malloc(st->points * sizeof(uint64_t))) ||
	    !(w.m.values = pp_malloc(st->points * nf * sizeof(float) + 1))) {
		rc = PP_ENOMEM;
		goto out;
	}
	pp_advise_huge(w.m.values, st->points * nf * sizeof(float));
	if ((rc = find_days(&ev, event, st->points, days, &ndays)))
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
	for (size_t d = 0; d < ndays; d++)
		buf_init(&days[d].file, 0);
	if ((rc = write_days(&w, ndays, threads)))
		goto out;
	if (!(parts = pp_calloc(ndays + 1, sizeof(*parts)))) {
		rc = PP_ENOMEM;
		goto out;
	}
	for (size_t d = 0; d < ndays; d++)
		parts[d] = (struct curated_part){ days[d].date, &days[d].file, (int64_t)(days[d].p1 - days[d].p0) };
	t3 = time_mono_ns();
	if (!(rc = curated_rewrite(fs, TRAINING_SET_TABLE, cols, w.ncols, parts, ndays))) {
		t4 = time_mono_ns();
		rc = write_matrix(fs, r, st, &w.m);
		log_debug("features build: %zu events read in %.2f s; %" PRIu64 " points, their views in %.2f s "
			  "(%u threads); %zu days' rows in %.2f s; the table committed in %.2f s, the matrix "
			  "in %.2f s", ev.n, (double)(t1 - t0) / 1e9, st->points, (double)(t2 - t1) / 1e9, threads,
			  ndays, (double)(t3 - t2) / 1e9, (double)(t4 - t3) / 1e9,
			  (double)(time_mono_ns() - t4) / 1e9);
	}
out:
	st->seconds = (double)(time_mono_ns() - t0) / 1e9;
	for (size_t d = 0; days && d < ndays; d++)
		buf_release(&days[d].file);
	for (size_t v = 0; block && v < r->nviews; v++)
		pp_free(block[v]);
	pp_free(block);
	pp_free(days);
	pp_free(parts);
	pp_free(cols);
	pp_free(w.m.labels);
	pp_free(w.m.ts);
	pp_free(w.m.groups);
	pp_free(w.m.values);
	pp_free(rep);
	pp_free(event);
	pp_free(label);
	pp_free(first_tx);
	pp_free(last[0]);
	pp_free(last[1]);
	pp_free(bot);
	pp_free(cand);
	pp_free(seen);
	pp_free(chosen);
	event_table_release(&ev);
	return rc;
}
