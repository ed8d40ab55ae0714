/* The feature engine (engine.h): per view and entity, the window's contributions and the
 * aggregations kept incrementally. */
#include "features/engine.h"
#include "core/err.h"
#include "core/mem.h"
#include "core/slab.h"
#include "core/strmap.h"
#include "core/timeutil.h"

#include <math.h>

#define SWEEP_EVERY 65536 /* events between sweeps of the states nothing can read (below), at
			    * least; and at least a quarter of the slots a sweep looks at */

/* ---- a queue of fixed-size records ---- */

struct ring {
	char *data;
	uint32_t cap, head, n, size;
};

static void *ring_at(const struct ring *r, uint32_t i)
{
	return r->data + (size_t)((r->head + i) % r->cap) * r->size;
}

static int ring_push(struct slab *sl, struct ring *r, const void *rec)
{
	if (r->n == r->cap) {
		uint32_t cap = r->cap ? r->cap * 2 : 4;
		char *d = slab_alloc(sl, (size_t)cap * r->size);
		if (!d)
			return PP_ENOMEM;
		for (uint32_t i = 0; i < r->n; i++)
			memcpy(d + i * r->size, ring_at(r, i), r->size);
		slab_free(sl, r->data, (size_t)r->cap * r->size);
		r->data = d;
		r->cap = cap;
		r->head = 0;
	}
	memcpy(r->data + (size_t)((r->head + r->n) % r->cap) * r->size, rec, r->size);
	r->n++;
	return 0;
}

static void ring_pop_front(struct ring *r)
{
	r->head = (r->head + 1) % r->cap;
	r->n--;
}

/* ---- counts per value (count_distinct) ---- */

struct vslot {
	uint64_t key;
	uint32_t count;
	bool used;
};

struct vcount {
	struct vslot *s;
	size_t cap, used;
	uint32_t distinct; /* keys with a count above 0 */
};

static size_t vhash(uint64_t k, size_t cap)
{
	k ^= k >> 33;
	k *= 0xff51afd7ed558ccdull;
	k ^= k >> 33;
	return (size_t)k & (cap - 1);
}

static struct vslot *vfind(struct vcount *m, uint64_t key)
{
	size_t i = vhash(key, m->cap);

	while (m->s[i].used && m->s[i].key != key)
		i = (i + 1) & (m->cap - 1);
	return &m->s[i];
}

static int vadd(struct slab *sl, struct vcount *m, uint64_t key, int delta)
{
	struct vslot *v;

	if (m->used * 4 >= m->cap * 3) { /* grow, dropping the values counted down to 0 */
		struct vcount n = { .cap = m->cap ? m->cap * 2 : 8 };
		if (!(n.s = slab_calloc(sl, n.cap * sizeof(*n.s))))
			return PP_ENOMEM;
		for (size_t i = 0; i < m->cap; i++)
			if (m->s[i].used && m->s[i].count) {
				*vfind(&n, m->s[i].key) = m->s[i];
				n.used++;
			}
		n.distinct = m->distinct;
		slab_free(sl, m->s, m->cap * sizeof(*m->s));
		*m = n;
	}
	v = vfind(m, key);
	if (!v->used) {
		if (delta < 0)
			return 0;
		v->used = true;
		v->key = key;
		m->used++;
	}
	if (delta > 0 && v->count++ == 0)
		m->distinct++;
	else if (delta < 0 && v->count && --v->count == 0)
		m->distinct--;
	return 0;
}

/* ---- per feature, per entity ---- */

struct tv {
	int64_t ts;
	double v;
};

/*
 * One feature of one entity: the number of contributions in the window, and one of what
 * the aggregation needs (32 bytes: millions of visitors and items have states).
 */
enum keep { KEEP_COUNT, KEEP_SUM, KEEP_ONE, KEEP_QUEUE, KEEP_DISTINCT };

struct fstate {
	uint32_t n;
	union {
		double sum;              /* sum, mean */
		struct tv one;           /* last, time_since_last; without sliding also first,
					  * time_since_first, min and max (the extreme) */
		struct ring q;           /* sliding min and max (monotonic), first (every one) */
		struct vcount *distinct; /* count_distinct */
	} u;
};

static enum keep keep_of(enum feature_agg a, bool sliding)
{
	switch (a) {
	case AGG_COUNT:
		return KEEP_COUNT;
	case AGG_SUM:
	case AGG_MEAN:
		return KEEP_SUM;
	case AGG_COUNT_DISTINCT:
		return KEEP_DISTINCT;
	case AGG_LAST:
	case AGG_TIME_SINCE_LAST:
		return KEEP_ONE;
	default: /* first, time_since_first, min, max */
		return sliding ? KEEP_QUEUE : KEEP_ONE;
	}
}

/* An entity of a view. */
struct engine_entity {
	int64_t last_ts;
	struct ring events; /* windowed views: ts and a contribution per feature */
	struct fstate f[];
};

struct view_state {
	const struct feature_view *v;
	int64_t window; /* ms; 0: no sliding (session, lifetime) */
	struct engine_entity **states; /* by the entity's id; NULL: none (or swept) */
	size_t cap;
	struct engine_entity **spare; /* swept states, emptied, their buffers kept for the next */
	size_t nspare, capspare;
	uint8_t *keep; /* per feature: enum keep */
	size_t rec_size; /* of an event record in the window */
	int entity;
	char hash[8]; /* the definition's hash as bytes (stored states carry it) */
	struct slab *slab; /* the engine's: where the states and their buffers live */
};

/* The keys of one kind, each interned once to a dense id that indexes every per-entity
 * array: one hash lookup per key and event instead of one per view and feature. */
struct keyspace {
	struct strmap ids;
	int64_t *last; /* per id: the time of its latest event (sessions and visitors: the gaps) */
	size_t cap;
};

struct feature_engine {
	const struct feature_registry *r;
	struct view_state *views;
	struct keyspace keys[EK__COUNT];
	double *contrib; /* scratch: a contribution per feature of a view */
	struct slab slab;
	uint64_t added, sweep_every, next_sweep;
	bool sweep_fixed; /* engine_sweep_every: every sweep_every events exactly */
};

static const enum engine_key entity_keys_kind[ENT__COUNT] = { [ENT_SESSION] = EK_SESSION,
							     [ENT_VISITOR] = EK_VISITOR,
							     [ENT_ITEM] = EK_ITEM,
							     [ENT_CATEGORY] = EK_CATEGORY };

static size_t state_size(const struct feature_view *v)
{
	return sizeof(struct engine_entity) + v->n * sizeof(struct fstate);
}

int engine_open(struct feature_engine **out, const struct feature_registry *r)
{
	struct feature_engine *e = pp_calloc(1, sizeof(*e));
	size_t most = 1;

	*out = e;
	if (!e || !(e->views = pp_calloc(r->nviews + 1, sizeof(*e->views))))
		return PP_ENOMEM;
	e->r = r;
	slab_init(&e->slab);
	e->sweep_every = e->next_sweep = SWEEP_EVERY;
	for (int k = 0; k < EK__COUNT; k++)
		strmap_init(&e->keys[k].ids);
	for (size_t i = 0; i < r->nviews; i++) {
		struct view_state *vs = &e->views[i];
		vs->v = &r->views[i];
		vs->window = window_ms(vs->v->window);
		vs->entity = (int)vs->v->entity;
		vs->slab = &e->slab;
		vs->rec_size = sizeof(int64_t) + vs->v->n * sizeof(double);
		for (int b = 0; b < 8; b++) {
			unsigned x = 0;
			sscanf(vs->v->hash + 2 * b, "%2x", &x);
			vs->hash[b] = (char)x;
		}
		if (!(vs->keep = pp_calloc(vs->v->n + 1, 1)))
			return PP_ENOMEM;
		for (size_t k = 0; k < vs->v->n; k++)
			vs->keep[k] = (uint8_t)keep_of(vs->v->f[k].agg, vs->window != 0);
		if (vs->v->n > most)
			most = vs->v->n;
	}
	if (!(e->contrib = pp_calloc(most, sizeof(double))))
		return PP_ENOMEM;
	return 0;
}

/* Gives a state's pieces back to the slab; only_large: just those malloc holds (the
 * engine closing: the slab's blocks go all at once). */
static void free_state(const struct view_state *vs, struct engine_entity *s, bool only_large)
{
	struct slab *sl = vs->slab;
	size_t size;

	if (!s)
		return;
	size = (size_t)s->events.cap * s->events.size;
	if (!only_large || !slab_owns_size(size))
		slab_free(sl, s->events.data, size);
	for (size_t k = 0; k < vs->v->n; k++) {
		const struct fstate *f = &s->f[k];
		if (vs->keep[k] == KEEP_QUEUE) {
			size = (size_t)f->u.q.cap * f->u.q.size;
			if (!only_large || !slab_owns_size(size))
				slab_free(sl, f->u.q.data, size);
		}
		if (vs->keep[k] == KEEP_DISTINCT && f->u.distinct) {
			size = f->u.distinct->cap * sizeof(*f->u.distinct->s);
			if (!only_large || !slab_owns_size(size))
				slab_free(sl, f->u.distinct->s, size);
			if (!only_large)
				slab_free(sl, f->u.distinct, sizeof(*f->u.distinct));
		}
	}
	if (!only_large)
		slab_free(sl, s, state_size(vs->v));
}

void engine_close(struct feature_engine *e)
{
	if (!e)
		return;
	for (size_t i = 0; e->views && i < e->r->nviews; i++) {
		struct view_state *vs = &e->views[i];
		for (size_t k = 0; vs->keep && k < vs->cap; k++)
			free_state(vs, vs->states[k], true);
		for (size_t k = 0; vs->keep && k < vs->nspare; k++)
			free_state(vs, vs->spare[k], true);
		pp_free(vs->states);
		pp_free(vs->spare);
		pp_free(vs->keep);
	}
	for (int k = 0; k < EK__COUNT; k++) {
		strmap_release(&e->keys[k].ids);
		pp_free(e->keys[k].last);
	}
	slab_release(&e->slab);
	pp_free(e->views);
	pp_free(e->contrib);
	pp_free(e);
}

/* The dense id of key (-1: empty, or unknown when not creating). */
static int64_t key_id(struct keyspace *ks, struct span key, bool create)
{
	struct strmap_slot *slot;
	bool ins;

	if (!key.len)
		return -1;
	if (!create) {
		slot = strmap_get(&ks->ids, key.p, key.len);
		return slot ? (int64_t)slot->value : -1;
	}
	if (!(slot = strmap_put(&ks->ids, key.p, key.len, &ins)))
		return -2;
	if (ins)
		slot->value = ks->ids.count - 1;
	return (int64_t)slot->value;
}

/* Room in ks->last for id. */
static int last_room(struct keyspace *ks, int64_t id)
{
	size_t cap = ks->cap ? ks->cap : 4096;
	int64_t *last;

	if ((size_t)id < ks->cap)
		return 0;
	while (cap <= (size_t)id)
		cap *= 2;
	if (!(last = pp_realloc(ks->last, cap * sizeof(*last))))
		return PP_ENOMEM;
	memset(last + ks->cap, 0, (cap - ks->cap) * sizeof(*last));
	ks->last = last;
	ks->cap = cap;
	return 0;
}

/* A state of the view with nothing in it (NULL: out of memory). */
static struct engine_entity *new_state(const struct view_state *vs)
{
	struct engine_entity *s = slab_calloc(vs->slab, state_size(vs->v));

	if (!s)
		return NULL;
	s->events.size = (uint32_t)vs->rec_size;
	for (size_t k = 0; k < vs->v->n; k++)
		if (vs->keep[k] == KEEP_QUEUE)
			s->f[k].u.q.size = sizeof(struct tv);
	return s;
}

/* The state of entity `id` in the view (created when asked); NULL when out of memory, or
 * when not creating and there is none. */
static struct engine_entity *find_state(struct view_state *vs, int64_t id, bool create)
{
	if (id < 0)
		return NULL;
	if ((size_t)id >= vs->cap) {
		size_t cap = vs->cap ? vs->cap : 4096;
		struct engine_entity **st;
		if (!create)
			return NULL;
		while (cap <= (size_t)id)
			cap *= 2;
		if (!(st = pp_realloc(vs->states, cap * sizeof(*st))))
			return NULL;
		memset(st + vs->cap, 0, (cap - vs->cap) * sizeof(*st));
		vs->states = st;
		vs->cap = cap;
	}
	if (!vs->states[id] && create) { /* new, or swept away after its TTL (a spare: emptied) */
		struct engine_entity *s = vs->nspare ? vs->spare[--vs->nspare] : new_state(vs);
		if (!s)
			return NULL;
		vs->states[id] = s;
	}
	return vs->states[id];
}

/* ---- contributions ---- */

static bool numeric_key_agg(enum feature_agg a)
{
	return a == AGG_MIN || a == AGG_MAX;
}

/* Takes contribution c (at ts) into the feature's state. */
static int take(struct slab *sl, struct fstate *f, const struct feature_def *d, enum keep keep, int64_t ts,
		double c)
{
	struct tv tv = { ts, c };

	if (isnan(c))
		return 0;
	f->n++;
	switch (keep) {
	case KEEP_SUM:
		f->u.sum += c;
		return 0;
	case KEEP_ONE:
		if (f->n == 1 || d->agg == AGG_LAST || d->agg == AGG_TIME_SINCE_LAST ||
		    (d->agg == AGG_MIN && c < f->u.one.v) || (d->agg == AGG_MAX && c > f->u.one.v))
			f->u.one = tv; /* first ones keep the first: n == 1 only */
		return 0;
	case KEEP_QUEUE:
		if (numeric_key_agg(d->agg)) /* monotonic: the front is the extreme */
			while (f->u.q.n) {
				const struct tv *back = ring_at(&f->u.q, f->u.q.n - 1);
				if (d->agg == AGG_MIN ? back->v < c : back->v > c)
					break;
				f->u.q.n--;
			}
		return ring_push(sl, &f->u.q, &tv);
	case KEEP_DISTINCT: {
		uint64_t key;
		memcpy(&key, &c, sizeof(key));
		if (!f->u.distinct && !(f->u.distinct = slab_calloc(sl, sizeof(*f->u.distinct))))
			return PP_ENOMEM;
		return vadd(sl, f->u.distinct, key, +1);
	}
	default:
		return 0;
	}
}

/* Drops contribution c (at ts) of an event leaving the window. */
static void drop(struct slab *sl, struct fstate *f, enum keep keep, int64_t ts, double c)
{
	if (isnan(c) || !f->n) /* (a count at 0 here: a stored state that lied) */
		return;
	f->n--;
	switch (keep) {
	case KEEP_SUM: /* nothing left: start clean, no rounding left over */
		f->u.sum = f->n ? f->u.sum - c : 0;
		break;
	case KEEP_QUEUE:
		while (f->u.q.n && ((const struct tv *)ring_at(&f->u.q, 0))->ts <= ts)
			ring_pop_front(&f->u.q);
		break;
	case KEEP_DISTINCT: {
		uint64_t key;
		memcpy(&key, &c, sizeof(key));
		vadd(sl, f->u.distinct, key, -1);
		break;
	}
	default:
		break;
	}
}

/* The window of `s` as of time t: events at or before t - window leave it. */
static void slide(struct view_state *vs, struct engine_entity *s, int64_t t)
{
	if (!vs->window)
		return;
	while (s->events.n) {
		const char *rec = ring_at(&s->events, 0);
		int64_t ts;
		memcpy(&ts, rec, sizeof(ts));
		if (ts > t - vs->window)
			break;
		for (size_t k = 0; k < vs->v->n; k++) {
			double c;
			memcpy(&c, rec + sizeof(int64_t) + k * sizeof(double), sizeof(c));
			drop(vs->slab, &s->f[k], (enum keep)vs->keep[k], ts, c);
		}
		ring_pop_front(&s->events);
	}
}

/* Empties a state: its buffers stay, its values go. */
static void empty_state(const struct view_state *vs, struct engine_entity *s)
{
	s->last_ts = 0;
	s->events.n = s->events.head = 0;
	for (size_t k = 0; k < vs->v->n; k++) {
		struct fstate *f = &s->f[k];
		f->n = 0;
		if (vs->keep[k] == KEEP_QUEUE) {
			f->u.q.n = f->u.q.head = 0;
		} else if (vs->keep[k] == KEEP_DISTINCT) {
			struct vcount *d = f->u.distinct;
			if (d) {
				if (d->cap)
					memset(d->s, 0, d->cap * sizeof(*d->s));
				d->used = d->distinct = 0;
			}
		} else {
			memset(&f->u, 0, sizeof(f->u));
		}
	}
}

/* A state emptied for reuse. */
static void retire(struct view_state *vs, struct engine_entity *s)
{
	if (vs->nspare == vs->capspare &&
	    pp_array_grow(&vs->spare, vs->nspare, &vs->capspare, sizeof(*vs->spare), 256)) {
		free_state(vs, s, false);
		return;
	}
	empty_state(vs, s);
	vs->spare[vs->nspare++] = s;
}

/*
 * Entities nothing can be read from any more (past their TTL, their window empty) are
 * freed now and then (every SWEEP_EVERY events, or more seldom when there are many
 * slots to look at: a sweep costs its slots, amortized to a quarter per event): finished
 * sessions would otherwise pile up. Reading one
 * gives what reading the kept state would (missing values); its key stays, and an event
 * of it starts a new state, as it would the kept one (restarts(), below).
 */
static size_t sweep(struct feature_engine *e, int64_t now)
{
	size_t slots = 0;

	for (size_t i = 0; i < e->r->nviews; i++) {
		struct view_state *vs = &e->views[i];
		int64_t keep = vs->v->ttl_ms;
		if (!keep)
			continue; /* no TTL: a state may be read whenever */
		if (vs->window > keep)
			keep = vs->window;
		for (size_t k = 0; k < vs->cap; k++)
			if (vs->states[k] && now - vs->states[k]->last_ts > keep) {
				retire(vs, vs->states[k]);
				vs->states[k] = NULL;
			}
		slots += vs->cap;
	}
	return slots;
}

void engine_sweep_every(struct feature_engine *e, uint64_t n)
{
	e->sweep_every = n ? n : SWEEP_EVERY;
	e->sweep_fixed = n != 0;
	e->next_sweep = e->added + e->sweep_every;
}

/* ---- events ---- */

void engine_event_fields(const struct fe_event *ev, int64_t session_prev, int64_t visitor_prev,
			 double *fields)
{
	struct civil c;

	civil_from_ms(ev->ts, &c);
	fields[FLD_TS] = (double)ev->ts / 1000.0;
	fields[FLD_PRICE] = ev->price;
	fields[FLD_EVENT] = (double)ev->type;
	fields[FLD_HOUR] = c.hour;
	fields[FLD_WEEKDAY] = (c.wday + 6) % 7; /* Monday 0 */
	fields[FLD_GAP_S] = session_prev ? (double)(ev->ts - session_prev) / 1000.0 : NAN;
	fields[FLD_VISITOR_GAP_S] = visitor_prev ? (double)(ev->ts - visitor_prev) / 1000.0 : NAN;
	fields[FLD_NEW_SESSION] = session_prev ? 0 : 1;
}

int engine_add(struct feature_engine *e, const struct fe_event *ev)
{
	const struct span keys[EK__COUNT] = { ev->session, ev->visitor, ev->item, ev->category };
	int64_t id[EK__COUNT];

	for (int k = 0; k < EK__COUNT; k++)
		if ((id[k] = key_id(&e->keys[k], keys[k], true)) == -2)
			return PP_ENOMEM;
	return engine_add_ids(e, ev, id);
}

/*
 * Whether an event at ts finds s's values gone: a view without a sliding window whose
 * entity was quiet past its TTL starts over (a sliding window has emptied by then anyway,
 * so both kinds read the same whether the state was swept or kept).
 */
static bool restarts(const struct view_state *vs, const struct engine_entity *s, int64_t ts)
{
	return !vs->window && vs->v->ttl_ms && s->last_ts && ts - s->last_ts > vs->v->ttl_ms;
}

/*
 * Event ev into s: fields are its numbers (engine_event_fields), keyval per enum
 * engine_key the number count_distinct counts for that identifier (NaN: none).
 */
static int state_add(struct feature_engine *e, struct view_state *vs, struct engine_entity *s,
		     const struct fe_event *ev, const double *fields, const double *keyval)
{
	const struct feature_view *v = vs->v;
	int64_t ts = ev->ts;
	int rc;

	if (restarts(vs, s, ts))
		empty_state(vs, s);
	if (ts < s->last_ts) /* late (the live path): counted as of the entity's latest */
		ts = s->last_ts;
	slide(vs, s, ts);
	for (size_t k = 0; k < v->n; k++) {
		const struct feature_def *d = &v->f[k];
		double c = 1;
		if (d->where.n) {
			double w = expr_eval(&d->where, fields);
			if (isnan(w) || w == 0) {
				e->contrib[k] = NAN;
				continue;
			}
		}
		if (d->agg == AGG_TIME_SINCE_FIRST || d->agg == AGG_TIME_SINCE_LAST)
			c = fields[FLD_TS];
		else if (d->field >= FLD__NUMBERS)
			c = keyval[d->field == FLD_ITEM_ID ? EK_ITEM
				   : d->field == FLD_CATEGORY_ID ? EK_CATEGORY
				   : d->field == FLD_SESSION_ID ? EK_SESSION : EK_VISITOR];
		else if (d->field >= 0)
			c = fields[d->field];
		e->contrib[k] = c;
		if ((rc = take(vs->slab, &s->f[k], d, (enum keep)vs->keep[k], ts, c)))
			return rc;
	}
	if (vs->window) {
		char rec[8 + 8 * 256];
		memcpy(rec, &ts, sizeof(ts));
		memcpy(rec + 8, e->contrib, v->n * sizeof(double));
		if ((rc = ring_push(vs->slab, &s->events, rec)))
			return rc;
	}
	s->last_ts = ts;
	return 0;
}

int engine_add_ids(struct feature_engine *e, const struct fe_event *ev, const int64_t *id)
{
	double fields[FLD__NUMBERS], keyval[EK__COUNT];
	int64_t prev[2] = { 0, 0 };
	int rc;

	if (++e->added >= e->next_sweep) {
		size_t slots = sweep(e, ev->ts);
		e->next_sweep = e->added + (e->sweep_fixed || slots / 4 < e->sweep_every ? e->sweep_every : slots / 4);
	}
	for (int k = EK_SESSION; k <= EK_VISITOR; k++) /* the gaps: previous times, then now */
		if (id[k] >= 0) {
			if ((rc = last_room(&e->keys[k], id[k])))
				return rc;
			prev[k] = engine_clock_prev(e->keys[k].last[id[k]], ev->ts);
			e->keys[k].last[id[k]] = ev->ts;
		}
	for (int k = 0; k < EK__COUNT; k++) /* distinct counts count the dense ids */
		keyval[k] = id[k] >= 0 ? (double)id[k] : NAN;
	engine_event_fields(ev, prev[EK_SESSION], prev[EK_VISITOR], fields);
	for (size_t i = 0; i < e->r->nviews; i++) {
		struct view_state *vs = &e->views[i];
		int64_t eid = id[entity_keys_kind[vs->entity]];
		struct engine_entity *s = find_state(vs, eid, true);
		if (!s) {
			if (eid >= 0)
				return PP_ENOMEM;
			continue; /* the event has no key for this view's entity */
		}
		if ((rc = state_add(e, vs, s, ev, fields, keyval)))
			return rc;
	}
	return 0;
}

int64_t engine_clock_prev(int64_t last, int64_t ts)
{
	return last && ts - last <= ENGINE_CLOCK_KEEP_MS ? last : 0;
}

/* ---- reads ---- */

static double value_of(const struct fstate *f, const struct feature_def *d, enum keep keep, int64_t t)
{
	const struct tv *x;

	switch (d->agg) {
	case AGG_COUNT:
		return f->n;
	case AGG_COUNT_DISTINCT:
		return f->u.distinct ? f->u.distinct->distinct : 0;
	default:
		break;
	}
	if (!f->n || (keep == KEEP_QUEUE && !f->u.q.n))
		return NAN;
	if (keep == KEEP_SUM)
		return d->agg == AGG_SUM ? f->u.sum : f->u.sum / f->n;
	x = keep == KEEP_QUEUE ? ring_at(&f->u.q, 0) : &f->u.one; /* the first, extreme or last */
	if (d->agg == AGG_TIME_SINCE_FIRST || d->agg == AGG_TIME_SINCE_LAST)
		return (double)t / 1000.0 - x->v;
	return x->v;
}

int engine_vector(struct feature_engine *e, int64_t ts, const struct span keys[ENT__COUNT], double *vec)
{
	int64_t ids[EK__COUNT];

	for (int k = 0; k < EK__COUNT; k++)
		ids[k] = -1;
	for (int k = 0; k < ENT__COUNT; k++)
		ids[entity_keys_kind[k]] = key_id(&e->keys[entity_keys_kind[k]], keys[k], false);
	return engine_vector_ids(e, ts, ids, vec);
}

int engine_vector_ids(struct feature_engine *e, int64_t ts, const int64_t *ids, double *vec)
{
	const struct feature_registry *r = e->r;

	for (size_t i = 0; i < r->nviews; i++) {
		struct view_state *vs = &e->views[i];
		const struct feature_view *v = vs->v;
		struct engine_entity *s = find_state(vs, ids[entity_keys_kind[vs->entity]], false);
		bool live = s && !(v->ttl_ms && ts - s->last_ts > v->ttl_ms);
		if (live)
			slide(vs, s, ts);
		for (size_t k = 0; k < v->n; k++)
			vec[v->f[k].slot] = live ? value_of(&s->f[k], &v->f[k], (enum keep)vs->keep[k], ts) : NAN;
	}
	engine_on_demand(r, ts, vec);
	return 0;
}

void engine_request_values(int64_t ts, double *req)
{
	struct civil c;

	civil_from_ms(ts, &c);
	req[REQ_HOUR] = c.hour;
	req[REQ_WEEKDAY] = (c.wday + 6) % 7; /* Monday 0 */
}

void engine_on_demand(const struct feature_registry *r, int64_t ts, double *vec)
{
	engine_request_values(ts, vec + r->nfeatures);
	registry_on_demand(r, vec);
}

/* A state's values as of t, its window slid; PP_ENOENT: none, or past the TTL. */
static int read_state(struct view_state *vs, struct engine_entity *s, int64_t t, double *vals)
{
	const struct feature_view *v = vs->v;

	if (!s || (v->ttl_ms && t - s->last_ts > v->ttl_ms))
		return PP_ENOENT;
	slide(vs, s, t);
	for (size_t k = 0; k < v->n; k++)
		vals[k] = value_of(&s->f[k], &v->f[k], (enum keep)vs->keep[k], t);
	return 0;
}

int engine_view_values(struct feature_engine *e, size_t view, int64_t id, int64_t t, double *vals,
		       int64_t *last_ts)
{
	struct view_state *vs = &e->views[view];
	struct engine_entity *s = find_state(vs, id, false);
	int rc = read_state(vs, s, t, vals);

	if (!rc)
		*last_ts = s->last_ts;
	return rc;
}

/* ---- one entity's state on its own (the live path) ---- */

#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "the stored state is written in the host's order, which must be little-endian"
#endif

#define STATE_MAGIC 0x32535050u /* "PPS2" */
#define STATE_MAX_TS (1LL << 50) /* ms: far past any event, far from overflowing */

/*
 * A stored state, little-endian: magic, the view's definition hash (8 bytes, so a state
 * of an older definition is not read as this one's), the feature count, the last event's
 * time, the window's events (ts and a contribution per feature), then per feature its
 * count and what its aggregation keeps: sum (8), one (16), queue (count, 16 each),
 * value counts (count, key 8 and count 4 each). In a sliding window, queues and value
 * counts are not stored but rebuilt from the window's events (derived()): they then
 * agree with the events by construction, whatever the bytes said.
 */
struct state_head {
	uint32_t magic, nfeatures;
	char hash[8];
	int64_t last_ts;
	uint32_t nevents, pad;
};

/* Whether feature k's state is rebuilt from the window instead of stored. */
static bool derived(const struct view_state *vs, size_t k)
{
	return vs->window && (vs->keep[k] == KEEP_QUEUE || vs->keep[k] == KEEP_DISTINCT);
}

int engine_entity_new(struct feature_engine *e, size_t view, struct engine_entity **out)
{
	return (*out = new_state(&e->views[view])) ? 0 : PP_ENOMEM;
}

void engine_entity_free(struct feature_engine *e, size_t view, struct engine_entity *s)
{
	free_state(&e->views[view], s, false);
}

#define CLEAR_KEEP_BYTES 4096 /* a cleared state keeps buffers up to this size */

void engine_entity_clear(struct feature_engine *e, size_t view, struct engine_entity *s)
{
	const struct view_state *vs = &e->views[view];
	struct slab *sl = vs->slab;

	if ((size_t)s->events.cap * s->events.size > CLEAR_KEEP_BYTES) {
		slab_free(sl, s->events.data, (size_t)s->events.cap * s->events.size);
		s->events.data = NULL;
		s->events.cap = 0;
	}
	for (size_t k = 0; k < vs->v->n; k++) {
		struct fstate *f = &s->f[k];
		if (vs->keep[k] == KEEP_QUEUE && (size_t)f->u.q.cap * f->u.q.size > CLEAR_KEEP_BYTES) {
			slab_free(sl, f->u.q.data, (size_t)f->u.q.cap * f->u.q.size);
			f->u.q.data = NULL;
			f->u.q.cap = 0;
		}
		if (vs->keep[k] == KEEP_DISTINCT && f->u.distinct &&
		    f->u.distinct->cap * sizeof(*f->u.distinct->s) > CLEAR_KEEP_BYTES) {
			slab_free(sl, f->u.distinct->s, f->u.distinct->cap * sizeof(*f->u.distinct->s));
			f->u.distinct->s = NULL;
			f->u.distinct->cap = 0;
		}
	}
	empty_state(vs, s);
}

/* Reads n bytes at *p, within end. */
static bool take_bytes(const char **p, const char *end, void *out, size_t n)
{
	if ((size_t)(end - *p) < n)
		return false;
	memcpy(out, *p, n);
	*p += n;
	return true;
}

static int bad_state(const struct view_state *vs, const char *why)
{
	return pp_error(PP_ECORRUPT, "feature view %s: a stored state that does not decode: %s",
			vs->v->name, why);
}

/* A decoded state's counts agree with what it keeps: per feature, its count is its window's
 * contributions (windowed views), a queue holds one at least when the count is not 0 (and
 * no more than it), value counts add up to it. */
static int check_state(const struct view_state *vs, const struct engine_entity *s)
{
	for (size_t k = 0; k < vs->v->n; k++) {
		const struct fstate *f = &s->f[k];
		uint64_t n = 0;
		if (vs->window) {
			for (uint32_t i = 0; i < s->events.n; i++) {
				double c;
				memcpy(&c, (const char *)ring_at(&s->events, i) + 8 + k * 8, sizeof(c));
				n += !isnan(c);
			}
			if (n != f->n)
				return bad_state(vs, "a count that is not its window's");
		}
		if (vs->keep[k] == KEEP_QUEUE && (!f->n != !f->u.q.n || f->u.q.n > f->n))
			return bad_state(vs, "a queue that does not match its count");
		if (vs->keep[k] == KEEP_DISTINCT) {
			const struct vcount *d = f->u.distinct;
			n = 0;
			for (size_t i = 0; d && i < d->cap; i++)
				n += d->s[i].used ? d->s[i].count : 0;
			if (n != f->n)
				return bad_state(vs, "value counts that do not add up");
		}
	}
	return 0;
}

int engine_entity_decode(struct feature_engine *e, size_t view, struct span blob,
			 struct engine_entity **out)
{
	struct view_state *vs = &e->views[view];
	const char *p = blob.p, *end = blob.len ? blob.p + blob.len : blob.p; /* no arithmetic on NULL */
	struct engine_entity *s;
	struct state_head h;
	int rc;

	if ((rc = engine_entity_new(e, view, out)))
		return rc;
	s = *out;
	if (!blob.len || !take_bytes(&p, end, &h, sizeof(h)) || h.magic != STATE_MAGIC ||
	    memcmp(h.hash, vs->hash, 8) || h.nfeatures != vs->v->n)
		return 0; /* none, or of another definition: a new state */
	if (!vs->window && h.nevents)
		return bad_state(vs, "events kept by a view without a sliding window");
	if (h.last_ts < 0 || h.last_ts > STATE_MAX_TS)
		return bad_state(vs, "a time out of range");
	s->last_ts = h.last_ts;
	int64_t prev = 0;
	for (uint32_t i = 0; i < h.nevents; i++) {
		char rec[8 + 8 * 256];
		int64_t ts;
		if (!take_bytes(&p, end, rec, vs->rec_size))
			return bad_state(vs, "the window's events are cut short");
		memcpy(&ts, rec, sizeof(ts));
		if (ts < prev || ts > h.last_ts)
			return bad_state(vs, "the window's events out of order");
		prev = ts;
		if ((rc = ring_push(vs->slab, &s->events, rec)))
			return rc;
	}
	for (size_t k = 0; k < vs->v->n; k++) {
		struct fstate *f = &s->f[k];
		uint32_t len;
		if (derived(vs, k))
			continue;
		if (!take_bytes(&p, end, &f->n, 4))
			return bad_state(vs, "a feature's count is cut short");
		switch (vs->keep[k]) {
		case KEEP_SUM:
			if (!take_bytes(&p, end, &f->u.sum, 8))
				return bad_state(vs, "a sum is cut short");
			break;
		case KEEP_ONE:
			if (!take_bytes(&p, end, &f->u.one, sizeof(f->u.one)))
				return bad_state(vs, "a value is cut short");
			if (f->u.one.ts < 0 || f->u.one.ts > h.last_ts)
				return bad_state(vs, "a value's time out of range");
			break;
		case KEEP_QUEUE:
			if (!take_bytes(&p, end, &len, 4) || len > (size_t)(end - p) / sizeof(struct tv))
				return bad_state(vs, "a queue is cut short");
			for (uint32_t i = 0; i < len; i++) {
				struct tv tv = { 0, 0 };
				take_bytes(&p, end, &tv, sizeof(tv));
				if (tv.ts < 0 || tv.ts > h.last_ts)
					return bad_state(vs, "a queued time out of range");
				if ((rc = ring_push(vs->slab, &f->u.q, &tv)))
					return rc;
			}
			break;
		case KEEP_DISTINCT:
			if (!take_bytes(&p, end, &len, 4) || len > (size_t)(end - p) / 12)
				return bad_state(vs, "value counts are cut short");
			if (len && !(f->u.distinct = slab_calloc(vs->slab, sizeof(*f->u.distinct))))
				return PP_ENOMEM;
			for (uint32_t i = 0; i < len; i++) {
				uint64_t key = 0;
				uint32_t count = 0;
				take_bytes(&p, end, &key, 8);
				take_bytes(&p, end, &count, 4);
				if (!count)
					return bad_state(vs, "a value counted zero times");
				if ((rc = vadd(vs->slab, f->u.distinct, key, +1)))
					return rc;
				vfind(f->u.distinct, key)->count = count;
			}
			break;
		default:
			break;
		}
	}
	if (p != end)
		return bad_state(vs, "bytes left over");
	for (uint32_t i = 0; i < s->events.n; i++) { /* the derived ones, from the window */
		const char *rec = ring_at(&s->events, i);
		int64_t ts;
		memcpy(&ts, rec, sizeof(ts));
		for (size_t k = 0; k < vs->v->n; k++) {
			double c;
			if (!derived(vs, k))
				continue;
			memcpy(&c, rec + 8 + k * 8, sizeof(c));
			if ((rc = take(vs->slab, &s->f[k], &vs->v->f[k], (enum keep)vs->keep[k], ts, c)))
				return rc;
		}
	}
	return check_state(vs, s);
}

int engine_entity_encode(struct feature_engine *e, size_t view, const struct engine_entity *s,
			 struct buf *out)
{
	const struct view_state *vs = &e->views[view];
	struct state_head h = { STATE_MAGIC, (uint32_t)vs->v->n, { 0 }, s->last_ts, s->events.n, 0 };
	int rc;

	buf_reset(out);
	memcpy(h.hash, vs->hash, 8);
	if ((rc = buf_append(out, &h, sizeof(h))))
		return rc;
	for (uint32_t i = 0; i < s->events.n && !rc; i++)
		rc = buf_append(out, ring_at(&s->events, i), vs->rec_size);
	for (size_t k = 0; k < vs->v->n && !rc; k++) {
		const struct fstate *f = &s->f[k];
		uint32_t len;
		if (derived(vs, k))
			continue;
		rc = buf_append(out, &f->n, 4);
		switch (vs->keep[k]) {
		case KEEP_SUM:
			rc = rc ? rc : buf_append(out, &f->u.sum, 8);
			break;
		case KEEP_ONE:
			rc = rc ? rc : buf_append(out, &f->u.one, sizeof(f->u.one));
			break;
		case KEEP_QUEUE:
			len = f->u.q.n;
			rc = rc ? rc : buf_append(out, &len, 4);
			for (uint32_t i = 0; i < len && !rc; i++)
				rc = buf_append(out, ring_at(&f->u.q, i), sizeof(struct tv));
			break;
		case KEEP_DISTINCT: {
			const struct vcount *d = f->u.distinct;
			len = d ? d->distinct : 0;
			rc = rc ? rc : buf_append(out, &len, 4);
			for (size_t i = 0; d && i < d->cap && !rc; i++)
				if (d->s[i].used && d->s[i].count &&
				    !(rc = buf_append(out, &d->s[i].key, 8)))
					rc = buf_append(out, &d->s[i].count, 4);
			break;
		}
		default:
			break;
		}
	}
	return rc;
}

int engine_entity_add(struct feature_engine *e, size_t view, struct engine_entity *s,
		      const struct fe_event *ev, const double *fields, const double *keyval)
{
	return state_add(e, &e->views[view], s, ev, fields, keyval);
}

int engine_entity_values(struct feature_engine *e, size_t view, struct engine_entity *s, int64_t t,
			 double *vals)
{
	return s->last_ts ? read_state(&e->views[view], s, t, vals) : PP_ENOENT; /* new: nothing yet */
}

int64_t engine_entity_last(const struct engine_entity *s)
{
	return s->last_ts;
}

int64_t engine_entity_keep_until(struct feature_engine *e, size_t view, const struct engine_entity *s)
{
	const struct view_state *vs = &e->views[view];
	int64_t keep = vs->v->ttl_ms;

	if (!keep)
		return vs->window ? s->last_ts + vs->window : 0; /* no TTL, no window: kept for good */
	return s->last_ts + (vs->window > keep ? vs->window : keep);
}
