/* The feature engine against a brute-force recomputation from the events themselves: for
 * every event of a random stream, each view's features as of that event, and at the end
 * every entity an hour after the last event (windows slid, TTLs passed). */
#include "core/err.h"
#include "core/hash.h"
#include "core/strmap.h"
#include "core/mem.h"
#include "core/rng.h"
#include "features/columns.h"
#include "features/engine.h"
#include "unit/test.h"

static const char repo[] =
	"feature_views:\n"
	"  - name: sess\n"
	"    entity: session\n"
	"    window: session\n"
	"    ttl: 30m\n"
	"    features:\n"
	"      - {name: s_n, agg: count}\n"
	"      - {name: s_views, agg: count, where: \"event == 'view'\"}\n"
	"      - {name: s_items, agg: count_distinct, field: item_id}\n"
	"      - {name: s_sum, agg: sum, field: price}\n"
	"      - {name: s_mean_gap, agg: mean, field: gap_s}\n"
	"      - {name: s_min, agg: min, field: price}\n"
	"      - {name: s_max, agg: max, field: price, where: \"event != 'transaction'\"}\n"
	"      - {name: s_first, agg: first, field: price}\n"
	"      - {name: s_last, agg: last, field: event}\n"
	"      - {name: s_tsf, agg: time_since_first}\n"
	"      - {name: s_tsl, agg: time_since_last, where: \"event == 'addtocart'\"}\n"
	"  - name: vis\n"
	"    entity: visitor\n"
	"    window: 24h\n"
	"    ttl: 24h\n"
	"    features:\n"
	"      - {name: v_n, agg: count}\n"
	"      - {name: v_sessions, agg: count_distinct, field: session_id}\n"
	"      - {name: v_carts, agg: count, where: \"event == 'addtocart'\"}\n"
	"      - {name: v_sum, agg: sum, field: price, where: \"price > 20\"}\n"
	"      - {name: v_min, agg: min, field: price}\n"
	"      - {name: v_max, agg: max, field: price}\n"
	"      - {name: v_first, agg: first, field: price}\n"
	"      - {name: v_last, agg: last, field: price}\n"
	"      - {name: v_ret, agg: last, field: visitor_gap_s, where: \"new_session == 1\"}\n"
	"      - {name: v_tsf, agg: time_since_first}\n"
	"      - {name: v_tsl, agg: time_since_last}\n"
	"      - {name: v_hours, agg: count_distinct, field: hour}\n"
	"  - name: itm\n"
	"    entity: item\n"
	"    window: 1h\n"
	"    ttl: 2h\n"
	"    features:\n"
	"      - {name: i_n, agg: count}\n"
	"      - {name: i_visitors, agg: count_distinct, field: visitor_id}\n"
	"      - {name: i_cats, agg: count_distinct, field: category_id}\n"
	"      - {name: i_mean, agg: mean, field: price}\n"
	"      - {name: i_min, agg: min, field: price}\n"
	"      - {name: i_first, agg: first, field: price}\n"
	"      - {name: i_tsf, agg: time_since_first, where: \"weekday < 5\"}\n"
	"  - name: life\n"
	"    entity: visitor\n"
	"    window: lifetime\n"
	"    features:\n"
	"      - {name: l_n, agg: count}\n"
	"      - {name: l_items, agg: count_distinct, field: item_id}\n"
	"      - {name: l_min, agg: min, field: price}\n"
	"  - name: cat\n"
	"    entity: category\n"
	"    window: 24h\n"
	"    ttl: 6h\n"
	"    features:\n"
	"      - {name: c_n, agg: count}\n"
	"      - {name: c_carts, agg: count, where: \"event == 'addtocart'\"}\n"
	"      - {name: c_sessions, agg: count_distinct, field: session_id}\n"
	"      - {name: c_mean, agg: mean, field: price}\n"
	"on_demand_features:\n"
	"  - {name: rate, expr: \"s_views / (s_n + 1)\"}\n";

#define NEV 4000

struct ev {
	struct fe_event e;
	char visitor[16], session[40], item[16], category[16];
	double fields[FLD__NUMBERS];
};

/* The key an event gives a view's entity. */
static struct span key_of(const struct ev *x, enum entity_kind k)
{
	const struct span by_kind[ENT__COUNT] = { x->e.session, x->e.visitor, x->e.item, x->e.category };

	return by_kind[k];
}

static bool same(struct span a, struct span b)
{
	return a.len == b.len && !memcmp(a.p, b.p, a.len);
}

/* The value the feature should have at t for an entity, from evs[0..n) directly. */
static double expected(const struct feature_view *v, const struct feature_def *d, const struct ev *evs,
		       size_t n, struct span key, int64_t t)
{
	int64_t w = window_ms(v->window), last = 0;
	double count = 0, sum = 0, lo = NAN, hi = NAN, first = NAN, lastv = NAN;
	double seen[NEV];
	struct span ids[NEV];
	size_t nseen = 0, nids = 0;

	if (!key.len) /* no key (an event without a category): the view is missing */
		return NAN;
	for (size_t i = 0; i < n; i++)
		if (same(key_of(&evs[i], v->entity), key) && evs[i].e.ts <= t)
			last = evs[i].e.ts;
	if (!last || (v->ttl_ms && t - last > v->ttl_ms))
		return NAN;
	for (size_t i = 0; i < n; i++) {
		const struct ev *x = &evs[i];
		double val;
		if (!same(key_of(x, v->entity), key) || x->e.ts > t || (w && x->e.ts <= t - w))
			continue;
		if (d->where.n) {
			double ok = expr_eval(&d->where, x->fields);
			if (isnan(ok) || ok == 0)
				continue;
		}
		if (d->agg == AGG_COUNT) {
			count++;
			continue;
		}
		if (d->field >= FLD__NUMBERS) { /* an identifier: distinct texts */
			struct span id = d->field == FLD_ITEM_ID ? x->e.item
					 : d->field == FLD_CATEGORY_ID ? x->e.category
					 : d->field == FLD_SESSION_ID ? x->e.session : x->e.visitor;
			bool dup = !id.len;
			for (size_t j = 0; j < nids && !dup; j++)
				dup = same(ids[j], id);
			if (!dup)
				ids[nids++] = id;
			continue;
		}
		if (d->agg == AGG_TIME_SINCE_FIRST || d->agg == AGG_TIME_SINCE_LAST)
			val = x->fields[FLD_TS];
		else
			val = x->fields[d->field];
		if (isnan(val))
			continue;
		if (d->agg == AGG_COUNT_DISTINCT) {
			bool dup = false;
			for (size_t j = 0; j < nseen && !dup; j++)
				dup = seen[j] == val;
			if (!dup)
				seen[nseen++] = val;
			continue;
		}
		count++;
		sum += val;
		lo = isnan(lo) || val < lo ? val : lo;
		hi = isnan(hi) || val > hi ? val : hi;
		if (isnan(first))
			first = val;
		lastv = val;
	}
	switch (d->agg) {
	case AGG_COUNT: return count;
	case AGG_COUNT_DISTINCT: return (double)(d->field >= FLD__NUMBERS ? nids : nseen);
	case AGG_SUM: return count ? sum : NAN;
	case AGG_MEAN: return count ? sum / count : NAN;
	case AGG_MIN: return lo;
	case AGG_MAX: return hi;
	case AGG_FIRST: return first;
	case AGG_LAST: return lastv;
	case AGG_TIME_SINCE_FIRST: return count ? (double)t / 1000 - first : NAN;
	default: return count ? (double)t / 1000 - lastv : NAN;
	}
}

static void compare(const struct feature_registry *r, const double *vec, const struct ev *evs, size_t n,
		    const struct ev *at, int64_t t)
{
	for (size_t i = 0; i < r->nviews; i++) {
		const struct feature_view *v = &r->views[i];
		struct span key = key_of(at, v->entity);
		for (size_t k = 0; k < v->n; k++) {
			double want = expected(v, &v->f[k], evs, n, key, t), got = vec[v->f[k].slot];
			bool ok = isnan(want) ? isnan(got) : fabs(got - want) <= 1e-9 * fmax(1, fabs(want));
			if (!ok)
				test_fail(__FILE__, __LINE__, "after %zu events, at %lld: %s of %.*s is %.17g, "
					  "recomputed from the events %.17g", n, (long long)t, v->f[k].name,
					  (int)key.len, key.p, got, want);
		}
	}
}

/* Event i of the random stream: time moves by up to 4 minutes, sometimes by hours; 25
 * visitors, sessions by the 30-minute gap, 15 items, missing categories and prices. */
static void random_event(struct ev *evs, size_t i, int64_t *t, struct rng *rg)
{
	struct ev *x = &evs[i];
	int vis = (int)rng_below(rg, 25);
	int64_t prev_s = 0, prev_v = 0;

	*t += rng_chance(rg, 0.01) ? (int64_t)rng_below(rg, 8 * 3600000) : (int64_t)rng_below(rg, 240000);
	snprintf(x->visitor, sizeof(x->visitor), "v%d", vis);
	for (size_t j = i; j-- > 0;)
		if (!strcmp(evs[j].visitor, x->visitor)) {
			prev_v = evs[j].e.ts;
			if (*t - prev_v <= 1800000) { /* the same session */
				memcpy(x->session, evs[j].session, sizeof(x->session));
				prev_s = prev_v;
			}
			break;
		}
	if (!prev_s)
		snprintf(x->session, sizeof(x->session), "v%d-%lld", vis, (long long)*t);
	snprintf(x->item, sizeof(x->item), "i%d", (int)rng_below(rg, 15));
	if (!rng_chance(rg, 0.1))
		snprintf(x->category, sizeof(x->category), "c%d", (int)rng_below(rg, 4));
	x->e = (struct fe_event){ .ts = *t, .visitor = span_of(x->visitor), .session = span_of(x->session),
				  .item = span_of(x->item), .category = span_of(x->category),
				  .type = (enum event_type)rng_below(rg, EV__COUNT),
				  .price = rng_chance(rg, 0.2) ? NAN : (double)rng_below(rg, 5000) / 100 };
	engine_event_fields(&x->e, prev_s, prev_v, x->fields);
}

TEST(engine_matches_recomputation)
{
	struct feature_registry r;
	struct feature_engine *e;
	struct ev *evs = pp_calloc(NEV, sizeof(*evs));
	double *vec;
	int64_t t = 1433116800000LL; /* a Monday */
	struct rng rg;

	CHECK_INT(registry_parse(&r, "t.yaml", repo, sizeof(repo) - 1), 0);
	CHECK_INT(engine_open(&e, &r), 0);
	engine_sweep_every(e, 97); /* finished sessions and quiet items are freed on the way */
	CHECK((vec = pp_calloc(registry_vector_size(&r), sizeof(double))) != NULL);
	rng_seed(&rg, 17);
	for (size_t i = 0; i < NEV; i++) {
		struct ev *x = &evs[i];
		random_event(evs, i, &t, &rg);
		CHECK_INT(engine_add(e, &x->e), 0);
		CHECK_INT(engine_vector(e, t, (struct span[]){ x->e.session, x->e.visitor, x->e.item, x->e.category }, vec), 0);
		compare(&r, vec, evs, i + 1, x, t);
		CHECK_NEAR(vec[r.od[0].slot], vec[r.views[0].f[1].slot] / (vec[r.views[0].f[0].slot] + 1), 1e-15);
	}
	/* an hour after the end: windows slid, some TTLs passed */
	t += 3600000;
	for (size_t i = NEV - 200; i < NEV; i++) {
		CHECK_INT(engine_vector(e, t, (struct span[]){ evs[i].e.session, evs[i].e.visitor, evs[i].e.item,
							       evs[i].e.category }, vec), 0);
		compare(&r, vec, evs, NEV, &evs[i], t);
	}
	/* unknown entities: missing */
	CHECK_INT(engine_vector(e, t, (struct span[]){ span_of("nope"), span_of(""), span_of("i999"), span_of("") }, vec), 0);
	CHECK(isnan(vec[0]) && isnan(vec[r.views[1].f[0].slot]) && isnan(vec[r.views[2].f[0].slot]) &&
	      isnan(vec[r.views[4].f[0].slot]));
	engine_close(e);
	registry_release(&r);
	pp_free(vec);
	pp_free(evs);
}

/* The key a detached state is kept under in the test: the view and the entity. */
static int state_key(struct buf *b, size_t view, struct span key)
{
	buf_reset(b);
	return buf_printf(b, "%zu/%.*s", view, (int)key.len, key.p);
}

/* An identifier as the live path counts it: a number per text. */
static double key_number(struct span s)
{
	return s.len ? (double)(pp_hash64(s.p, s.len, 7) >> 12) : NAN;
}

/*
 * The same stream through detached states (the live path's): each event decodes the
 * entity's stored bytes, adds, reads and encodes them again; every value read must be the
 * recomputation's, after every event and an hour after the last.
 */
TEST(engine_states_round_trip)
{
	struct feature_registry r;
	struct feature_engine *e;
	struct ev *evs = pp_calloc(NEV, sizeof(*evs));
	struct strmap stored; /* key -> index into blobs */
	struct buf *blobs = pp_calloc(NEV * 4 + 1, sizeof(struct buf)), key = BUF_INIT;
	size_t nblobs = 0;
	double vals[64], *vec;
	int64_t t = 1433116800000LL;
	struct rng rg;

	CHECK_INT(registry_parse(&r, "t.yaml", repo, sizeof(repo) - 1), 0);
	CHECK_INT(engine_open(&e, &r), 0);
	CHECK((vec = pp_calloc(registry_vector_size(&r), sizeof(double))) != NULL);
	strmap_init(&stored);
	rng_seed(&rg, 23);
	for (size_t i = 0; i < NEV; i++) {
		struct ev *x = &evs[i];
		random_event(evs, i, &t, &rg);
		const double keyval[EK__COUNT] = { key_number(x->e.session), key_number(x->e.visitor),
						   key_number(x->e.item), key_number(x->e.category) };
		for (size_t v = 0; v < r.nviews; v++) {
			const struct feature_view *fv = &r.views[v];
			struct span ent = key_of(x, fv->entity);
			struct engine_entity *st;
			struct strmap_slot *slot;
			bool ins;
			if (!ent.len) { /* no key, no state (the live path skips it too) */
				for (size_t k = 0; k < fv->n; k++)
					vec[fv->f[k].slot] = NAN;
				continue;
			}
			CHECK_INT(state_key(&key, v, ent), 0);
			CHECK((slot = strmap_put(&stored, key.data, key.len, &ins)) != NULL);
			if (ins)
				slot->value = nblobs++;
			struct buf *b = &blobs[slot->value];
			CHECK_INT(engine_entity_decode(e, v, (struct span){ b->data, b->len }, &st), 0);
			CHECK_INT(engine_entity_add(e, v, st, &x->e, x->fields, keyval), 0);
			CHECK_INT(engine_entity_values(e, v, st, t, vals), 0);
			for (size_t k = 0; k < fv->n; k++)
				vec[fv->f[k].slot] = vals[k];
			CHECK_INT(engine_entity_encode(e, v, st, b), 0);
			engine_entity_free(e, v, st);
		}
		compare(&r, vec, evs, i + 1, x, t);
	}
	t += 3600000;
	for (size_t i = NEV - 200; i < NEV; i++) {
		for (size_t v = 0; v < r.nviews; v++) {
			const struct feature_view *fv = &r.views[v];
			struct engine_entity *st;
			const struct strmap_slot *slot;
			CHECK_INT(state_key(&key, v, key_of(&evs[i], fv->entity)), 0);
			if (!(slot = strmap_get(&stored, key.data, key.len))) { /* no key: never stored */
				for (size_t k = 0; k < fv->n; k++)
					vec[fv->f[k].slot] = NAN;
				continue;
			}
			struct buf *b = &blobs[slot->value];
			CHECK_INT(engine_entity_decode(e, v, (struct span){ b->data, b->len }, &st), 0);
			int rc = engine_entity_values(e, v, st, t, vals);
			CHECK(rc == 0 || rc == PP_ENOENT);
			for (size_t k = 0; k < fv->n; k++)
				vec[fv->f[k].slot] = rc ? NAN : vals[k];
			engine_entity_free(e, v, st);
		}
		compare(&r, vec, evs, NEV, &evs[i], t);
	}
	/* every cut of a stored state: inside the header a new state, past it refused as corrupt */
	for (size_t i = 0; i < stored.cap; i++) {
		const struct strmap_slot *slot = &stored.slots[i];
		const struct buf *b;
		size_t v;
		if (!slot->key || slot->value % 7)
			continue; /* a sample */
		v = (size_t)(slot->key[0] - '0');
		b = &blobs[slot->value];
		for (size_t cut = 0; cut < b->len; cut++) {
			struct engine_entity *st = NULL;
			int rc = engine_entity_decode(e, v, (struct span){ b->data, cut }, &st);
			if (rc != (cut < 32 ? 0 : PP_ECORRUPT))
				test_fail(__FILE__, __LINE__, "a state of view %zu cut at %zu of %zu: %d", v, cut,
					  b->len, rc);
			engine_entity_free(e, v, st);
		}
	}
	for (size_t i = 0; i < nblobs; i++)
		buf_release(&blobs[i]);
	strmap_release(&stored);
	buf_release(&key);
	engine_close(e);
	registry_release(&r);
	pp_free(blobs);
	pp_free(vec);
	pp_free(evs);
}

/* A key's dense id in one space for every kind, as the training set's event table has
 * them (-1: empty). */
static int32_t dense_id(struct strmap *m, struct span s)
{
	bool ins;
	struct strmap_slot *slot;

	if (!s.len)
		return -1;
	slot = strmap_put(m, s.p, s.len, &ins);
	if (ins)
		slot->value = m->count - 1;
	return (int32_t)slot->value;
}

/* Event x as the columnar replay takes it (its ids dense in `ids`, the gaps from the last
 * event times per id in last[]), and its ids for the engine in id64. */
static struct replay_event replay_of(const struct ev *x, struct strmap *ids, int64_t *last[2], int64_t *id64)
{
	struct replay_event y = { .ts = x->e.ts, .type = (uint8_t)x->e.type, .price = x->e.price, .point = -1 };

	y.id[EK_SESSION] = dense_id(ids, x->e.session);
	y.id[EK_VISITOR] = dense_id(ids, x->e.visitor);
	y.id[EK_ITEM] = dense_id(ids, x->e.item);
	y.id[EK_CATEGORY] = dense_id(ids, x->e.category);
	for (int k = 0; k < EK__COUNT; k++)
		id64[k] = y.id[k];
	for (int k = EK_SESSION; k <= EK_VISITOR; k++)
		if (y.id[k] >= 0) {
			y.prev[k] = engine_clock_prev(last[k][y.id[k]], y.ts);
			last[k][y.id[k]] = y.ts;
		}
	return y;
}

/* What both columnar tests start from: the test repository, an engine on it, an empty id
 * space and the random stream's generator. */
static void replay_setup(struct feature_registry *r, struct feature_engine **e, struct strmap *ids, struct rng *rg,
			 uint64_t seed)
{
	CHECK_INT(registry_parse(r, "t.yaml", repo, sizeof(repo) - 1), 0);
	CHECK(r->nviews <= 8);
	CHECK_INT(engine_open(e, r), 0);
	strmap_init(ids);
	rng_seed(rg, seed);
}

/*
 * The training set's columnar replay (each view's entities one at a time, shared among
 * threads) against the engine's replay of every event in time order: the same values at
 * every point, bit for bit, with one thread or several, and nothing at points whose event
 * has no key for a view.
 */
TEST(columns_match_engine_replay)
{
	struct feature_registry r;
	struct feature_engine *e;
	struct ev *evs = pp_calloc(NEV, sizeof(*evs));
	struct replay_event *rep = pp_calloc(NEV, sizeof(*rep));
	int64_t *last[2] = { pp_calloc(4 * NEV, sizeof(int64_t)), pp_calloc(4 * NEV, sizeof(int64_t)) };
	double *want, *vec, *block[8] = { NULL };
	int64_t t = 1433116800000LL;
	size_t npoints = 0;
	struct strmap ids;
	struct rng rg;

	replay_setup(&r, &e, &ids, &rg, 29);
	CHECK((vec = pp_calloc(registry_vector_size(&r), sizeof(double))) != NULL);
	CHECK((want = pp_calloc((size_t)NEV * r.nfeatures, sizeof(double))) != NULL);
	for (size_t i = 0; i < NEV; i++) {
		struct ev *x = &evs[i];
		struct replay_event *y = &rep[i];
		int64_t id64[EK__COUNT];
		random_event(evs, i, &t, &rg);
		*y = replay_of(x, &ids, last, id64);
		CHECK_INT(engine_add_ids(e, &x->e, id64), 0);
		if (i % 3 == 1)
			continue; /* not every event is a point */
		CHECK_INT(engine_vector_ids(e, x->e.ts, id64, vec), 0);
		memcpy(want + npoints * r.nfeatures, vec, r.nfeatures * sizeof(double));
		y->point = (int32_t)npoints++;
	}
	for (size_t v = 0; v < r.nviews; v++)
		CHECK((block[v] = pp_malloc(npoints * r.views[v].n * sizeof(double))) != NULL);
	for (unsigned threads = 1; threads <= 3; threads += 2) {
		size_t missing = 0;
		for (size_t v = 0; v < r.nviews; v++) /* garbage that every value must replace */
			memset(block[v], 0x5a, npoints * r.views[v].n * sizeof(double));
		columns_min_share(threads == 1 ? 0 : 50); /* several threads: many small shares */
		CHECK_INT(columns_compute(&r, rep, NEV, ids.count, block, threads), 0);
		for (size_t p = 0; p < npoints; p++)
			for (size_t v = 0; v < r.nviews; v++)
				for (size_t k = 0; k < r.views[v].n; k++) {
					double got = block[v][p * r.views[v].n + k];
					double exp = want[p * r.nfeatures + r.views[v].f[k].slot];
					missing += isnan(exp);
					if (isnan(exp) ? !isnan(got) : memcmp(&got, &exp, sizeof(got)))
						test_fail(__FILE__, __LINE__, "point %zu, %s: %.17g from the columns, %.17g from the "
							  "engine (threads %u)", p, r.views[v].f[k].name, got, exp,
							  threads);
				}
		CHECK(missing > 0); /* events without a category, TTLs: some missing values compared */
	}
	for (size_t v = 0; v < r.nviews; v++)
		pp_free(block[v]);
	strmap_release(&ids);
	engine_close(e);
	registry_release(&r);
	pp_free(want);
	pp_free(vec);
	pp_free(rep);
	pp_free(last[0]);
	pp_free(last[1]);
	pp_free(evs);
}

/* What columns_final handed over, by view and dense id. */
struct final_seen {
	const struct feature_registry *r;
	size_t nids;
	double *vals[8];
	int64_t *last[8];
	uint8_t *got[8];
};

static int record_final(void *ctx, unsigned worker, size_t view, int32_t id, int64_t last, const double *vals)
{
	struct final_seen *f = ctx;
	size_t nv = f->r->views[view].n;

	(void)worker;
	if (id < 0 || (size_t)id >= f->nids || f->got[view][id])
		return PP_EINVAL; /* (each entity once) */
	f->got[view][id] = 1;
	f->last[view][id] = last;
	memcpy(f->vals[view] + (size_t)id * nv, vals, nv * sizeof(double));
	return 0;
}

/*
 * Materialize's columnar replay (each view's entities on their own, their values as of a
 * time after their last event) against the engine's replay of every event in time order:
 * the same entities, the same values bit for bit and the same last times, the same ones
 * past their TTL, with one thread or several; the events after that time left out.
 */
TEST(columns_final_match_engine)
{
	enum { CUT = NEV * 2 / 3 };
	struct feature_registry r;
	struct feature_engine *e;
	struct ev *evs = pp_calloc(NEV, sizeof(*evs));
	struct replay_event *rep = pp_calloc(NEV, sizeof(*rep));
	int64_t *last[2] = { pp_calloc(4 * NEV, sizeof(int64_t)), pp_calloc(4 * NEV, sizeof(int64_t)) };
	uint8_t *kinds = pp_calloc(4 * NEV, 1);
	int64_t t = 1433116800000LL, as_of;
	struct final_seen f = { .r = &r };
	double want[64];
	struct strmap ids;
	struct rng rg;

	replay_setup(&r, &e, &ids, &rg, 31);
	for (size_t i = 0; i < NEV; i++)
		random_event(evs, i, &t, &rg);
	as_of = evs[CUT - 1].e.ts + 40 * 60000; /* sessions past their TTL, items not all */
	for (size_t i = 0; i < CUT; i++) {
		struct ev *x = &evs[i];
		struct replay_event *y = &rep[i];
		int64_t id64[EK__COUNT];
		*y = replay_of(x, &ids, last, id64);
		for (int k = 0; k < EK__COUNT; k++)
			if (y->id[k] >= 0)
				kinds[y->id[k]] |= (uint8_t)(1 << k);
		CHECK_INT(engine_add_ids(e, &x->e, id64), 0);
	}
	f.nids = ids.count;
	for (size_t v = 0; v < r.nviews; v++) {
		CHECK((f.vals[v] = pp_malloc(f.nids * r.views[v].n * sizeof(double) + 1)) != NULL);
		CHECK((f.last[v] = pp_malloc(f.nids * sizeof(int64_t) + 1)) != NULL);
		CHECK((f.got[v] = pp_malloc(f.nids + 1)) != NULL);
	}
	for (unsigned threads = 1; threads <= 3; threads += 2) {
		uint64_t expired = 0, nexp = 0, nrows = 0;
		for (size_t v = 0; v < r.nviews; v++)
			memset(f.got[v], 0, f.nids);
		columns_min_share(threads == 1 ? 0 : 50);
		CHECK_INT(columns_final(&r, rep, CUT, ids.count, as_of, record_final, &f, threads, &expired), 0);
		for (size_t v = 0; v < r.nviews; v++)
			for (size_t id = 0; id < f.nids; id++) {
				int64_t lt;
				if (!(kinds[id] & (1 << (int)r.views[v].entity)))
					continue;
				if (engine_view_values(e, v, (int64_t)id, as_of, want, &lt) == PP_ENOENT) {
					CHECK(!f.got[v][id]);
					nexp++;
					continue;
				}
				nrows++;
				CHECK(f.got[v][id]);
				CHECK_INT(f.last[v][id], lt);
				for (size_t k = 0; k < r.views[v].n; k++) {
					double got = f.vals[v][id * r.views[v].n + k];
					if (isnan(want[k]) ? !isnan(got) : memcmp(&got, &want[k], sizeof(got)))
						test_fail(__FILE__, __LINE__, "%s of entity %zu: %.17g from the columns, %.17g "
							  "from the engine (threads %u)", r.views[v].f[k].name, id, got,
							  want[k], threads);
				}
			}
		CHECK_INT(expired, nexp);
		CHECK(nexp > 0 && nrows > 25); /* the old sessions past their TTL; every visitor's rows */
	}
	columns_min_share(0);
	for (size_t v = 0; v < r.nviews; v++) {
		pp_free(f.vals[v]);
		pp_free(f.last[v]);
		pp_free(f.got[v]);
	}
	strmap_release(&ids);
	engine_close(e);
	registry_release(&r);
	pp_free(rep);
	pp_free(kinds);
	pp_free(last[0]);
	pp_free(last[1]);
	pp_free(evs);
}
