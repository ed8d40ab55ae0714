/* View features computed view by view, entity by entity (columns.h). */
#include "features/columns.h"
#include "core/err.h"
#include "core/mem.h"
#include "core/parallel.h"
#include "features/event_table.h"

#include <math.h>

#define SHARES_PER_THREAD 4 /* of each view's events: load balance, and no share too small */
#define MIN_SHARE 65536
static size_t min_share = MIN_SHARE;
#define PREFETCH 8 /* events ahead */

/* A run of one view's grouped events, whole entities only. */
struct share {
	size_t view, lo, hi;
};

struct columns {
	const struct feature_registry *r;
	const struct replay_event *ev;
	size_t n, nids;
	double *const *block;  /* columns_compute: the points' values */
	columns_final_fn final; /* columns_final: each entity's values as of as_of */
	void *final_ctx;
	int64_t as_of;
	uint64_t expired;
	double **scratch;       /* per worker: room for a view's values */
	uint32_t **order; /* per view: positions in ev, grouped by entity, each in time order */
	size_t *grouped;  /* per view: how many (events with the view's key) */
	struct share *shares;
	size_t nshares, capshares;
	struct feature_engine **eng; /* per worker: states live in an engine's memory */
};

static void missing(double *row, size_t nv)
{
	for (size_t k = 0; k < nv; k++)
		row[k] = NAN;
}

/* Task v of the first batch: view v's events grouped by entity (a counting sort, stable,
 * so each entity's events stay in time order); points of events without the view's key
 * get nothing. */
static int group_view(void *arg, size_t v, unsigned worker)
{
	struct columns *c = arg;
	const struct feature_view *view = &c->r->views[v];
	int kind = (int)view->entity;
	uint32_t *start = pp_calloc(c->nids + 1, sizeof(*start)), *order;
	size_t total = 0;

	(void)worker;
	if (!start)
		return PP_ENOMEM;
	for (size_t k = 0; k < c->n; k++) {
		int32_t id = c->ev[k].id[kind];
		if (id >= 0)
			start[id]++;
		else if (c->ev[k].point >= 0)
			missing(c->block[v] + (size_t)c->ev[k].point * view->n, view->n);
	}
	for (size_t id = 0; id < c->nids; id++) {
		uint32_t count = start[id];
		start[id] = (uint32_t)total;
		total += count;
	}
	if (!(order = pp_malloc((total + 1) * sizeof(*order)))) {
		pp_free(start);
		return PP_ENOMEM;
	}
	for (size_t k = 0; k < c->n; k++) {
		int32_t id = c->ev[k].id[kind];
		if (id >= 0)
			order[start[id]++] = (uint32_t)k;
	}
	pp_free(start);
	c->order[v] = order;
	c->grouped[v] = total;
	return 0;
}

/* The views' grouped events cut into shares at entity boundaries. */
static int cut_shares(struct columns *c, unsigned threads)
{
	for (size_t v = 0; v < c->r->nviews; v++) {
		int kind = (int)c->r->views[v].entity;
		size_t want = c->grouped[v] / ((size_t)threads * SHARES_PER_THREAD), lo = 0;
		if (want < min_share)
			want = min_share;
		while (lo < c->grouped[v]) {
			size_t hi = lo + want < c->grouped[v] ? lo + want : c->grouped[v];
			while (hi < c->grouped[v] &&
			       c->ev[c->order[v][hi]].id[kind] == c->ev[c->order[v][hi - 1]].id[kind])
				hi++;
			if (c->nshares == c->capshares &&
			    pp_array_grow(&c->shares, c->nshares, &c->capshares, sizeof(*c->shares), 16))
				return PP_ENOMEM;
			c->shares[c->nshares++] = (struct share){ v, lo, hi };
			lo = hi;
		}
	}
	return 0;
}

/* columns_final: an entity replayed to its end, its values as of as_of to the caller. */
static int finish(struct columns *c, size_t view, struct engine_entity *s, int64_t id, unsigned worker)
{
	double *vals = c->scratch[worker];
	int rc = engine_entity_values(c->eng[worker], view, s, c->as_of, vals);

	if (rc == PP_ENOENT) { /* past its TTL */
		__atomic_add_fetch(&c->expired, 1, __ATOMIC_RELAXED);
		return 0;
	}
	return rc ? rc : c->final(c->final_ctx, worker, view, (int32_t)id, engine_entity_last(s), vals);
}

/* Task t of the second batch: share t replayed, entity by entity, through one state. */
static int replay_share(void *arg, size_t t, unsigned worker)
{
	struct columns *c = arg;
	const struct share *sh = &c->shares[t];
	const struct feature_view *view = &c->r->views[sh->view];
	struct feature_engine *e = c->eng[worker];
	int kind = (int)view->entity;
	struct engine_entity *s;
	double fields[FLD__NUMBERS], keyval[EK__COUNT];
	int64_t cur = -1;
	int rc;

	if ((rc = engine_entity_new(e, sh->view, &s)))
		return rc;
	for (size_t j = sh->lo; j < sh->hi && !rc; j++) {
		const struct replay_event *x = &c->ev[c->order[sh->view][j]];
		/* the events are scattered in memory, and so the points' rows: fetched ahead */
		if (j + 2 * PREFETCH < sh->hi)
			__builtin_prefetch(&c->ev[c->order[sh->view][j + 2 * PREFETCH]]);
		if (j + PREFETCH < sh->hi) {
			int32_t p = c->ev[c->order[sh->view][j + PREFETCH]].point;
			if (p >= 0)
				__builtin_prefetch(c->block[sh->view] + (size_t)p * view->n, 1);
		}
		struct fe_event fe = { .ts = x->ts, .type = (enum event_type)x->type, .price = x->price };
		if (x->id[kind] != cur) {
			if (c->final && cur >= 0 && (rc = finish(c, sh->view, s, cur, worker)))
				break;
			engine_entity_clear(e, sh->view, s);
			cur = x->id[kind];
		}
		for (int k = 0; k < EK__COUNT; k++) /* distinct counts count the dense ids */
			keyval[k] = x->id[k] >= 0 ? (double)x->id[k] : NAN;
		engine_event_fields(&fe, x->prev[EK_SESSION], x->prev[EK_VISITOR], fields);
		if ((rc = engine_entity_add(e, sh->view, s, &fe, fields, keyval)) || x->point < 0)
			continue;
		double *row = c->block[sh->view] + (size_t)x->point * view->n;
		if (engine_entity_values(e, sh->view, s, x->ts, row) == PP_ENOENT)
			missing(row, view->n);
	}
	if (!rc && c->final && cur >= 0)
		rc = finish(c, sh->view, s, cur, worker);
	engine_entity_free(e, sh->view, s);
	return rc;
}

void columns_min_share(size_t n)
{
	min_share = n ? n : MIN_SHARE;
}

/* The views grouped, cut into shares and replayed by `threads` threads. */
static int run(struct columns *c, unsigned threads)
{
	const struct feature_registry *r = c->r;
	size_t most = 1;
	int rc = 0;

	if (threads < 1)
		threads = 1;
	for (size_t v = 0; v < r->nviews; v++)
		if (r->views[v].n > most)
			most = r->views[v].n;
	c->order = pp_calloc(r->nviews + 1, sizeof(*c->order));
	c->grouped = pp_calloc(r->nviews + 1, sizeof(*c->grouped));
	c->eng = pp_calloc(threads, sizeof(*c->eng));
	c->scratch = pp_calloc(threads, sizeof(*c->scratch));
	if (!c->order || !c->grouped || !c->eng || !c->scratch)
		rc = PP_ENOMEM;
	for (unsigned k = 0; k < threads && !rc; k++)
		if ((rc = engine_open(&c->eng[k], r)) || !(c->scratch[k] = pp_malloc(most * sizeof(double))))
			rc = rc ? rc : PP_ENOMEM;
	if (!rc)
		rc = parallel_run(r->nviews, threads, group_view, c);
	if (!rc)
		rc = cut_shares(c, threads);
	if (!rc)
		rc = parallel_run(c->nshares, threads, replay_share, c);
	for (unsigned k = 0; k < threads; k++) {
		if (c->eng)
			engine_close(c->eng[k]);
		if (c->scratch)
			pp_free(c->scratch[k]);
	}
	for (size_t v = 0; c->order && v < r->nviews; v++)
		pp_free(c->order[v]);
	pp_free(c->order);
	pp_free(c->grouped);
	pp_free(c->eng);
	pp_free(c->scratch);
	pp_free(c->shares);
	return rc;
}

int columns_compute(const struct feature_registry *r, const struct replay_event *ev, size_t n, size_t nids,
		    double *const *block, unsigned threads)
{
	struct columns c = { .r = r, .ev = ev, .n = n, .nids = nids, .block = block };

	return run(&c, threads);
}

int columns_final(const struct feature_registry *r, const struct replay_event *ev, size_t n, size_t nids,
		  int64_t as_of, columns_final_fn fn, void *ctx, unsigned threads, uint64_t *expired)
{
	struct columns c = { .r = r, .ev = ev, .n = n, .nids = nids, .final = fn, .final_ctx = ctx, .as_of = as_of };
	int rc = run(&c, threads);

	*expired = c.expired;
	return rc;
}

int columns_replay_events(const struct event_table *t, const struct radix_rec *sorted, size_t n,
			  struct replay_event *out)
{
	size_t nstrings = t->strings.count + 1;
	int64_t *last[2] = { pp_calloc(nstrings, sizeof(int64_t)), pp_calloc(nstrings, sizeof(int64_t)) };

	if (!last[0] || !last[1]) {
		pp_free(last[0]);
		pp_free(last[1]);
		return PP_ENOMEM;
	}
	for (size_t k = 0; k < n; k++) {
		size_t i = sorted[k].value;
		struct replay_event *x = &out[k];
		*x = (struct replay_event){ .ts = t->ts[i], .type = t->type[i], .price = t->price[i], .point = -1 };
		for (int kind = 0; kind < EK__COUNT; kind++)
			x->id[kind] = (int32_t)t->ids[i][kind];
		for (int kind = EK_SESSION; kind <= EK_VISITOR; kind++)
			if (x->id[kind] >= 0) {
				x->prev[kind] = engine_clock_prev(last[kind][x->id[kind]], x->ts);
				last[kind][x->id[kind]] = x->ts;
			}
	}
	pp_free(last[0]);
	pp_free(last[1]);
	return 0;
}
