/* Unit tests of the simulator: determinism, calibration to RetailRocket, exact truth. */
#include "core/err.h"
#include "core/strmap.h"
#include "core/timeutil.h"
#include "event/event.h"
#include "event/sessionize.h"
#include "sim/sim_format.h"
#include "sim/sim_internal.h"
#include "unit/test.h"

#include <math.h>

struct capture {
	const struct sim *s;
	struct buf out;
	uint64_t hash;
};

static int capture_event(void *ctx, const struct sim_event *ev)
{
	struct capture *c = ctx;
	size_t start = c->out.len;
	int rc = sim_format_event(c->s, SIM_NDJSON, ev, &c->out);

	for (size_t i = start; i < c->out.len; i++)
		c->hash = (c->hash ^ (unsigned char)c->out.data[i]) * 0x100000001b3ull;
	c->out.len = 0;
	return rc;
}

static uint64_t run_hash(uint64_t seed, uint64_t visitors, double late)
{
	struct sim_params p;
	struct sim s;
	struct capture c = { .s = &s, .hash = 0xcbf29ce484222325ull };
	struct sim_sink sink = { .ctx = &c, .event = capture_event };

	sim_params_default(&p);
	p.seed = seed;
	p.visitors = visitors;
	p.late_rate = late;
	p.duplicate_rate = late;
	CHECK_INT(sim_init(&s, &p), 0);
	buf_init(&c.out, 0);
	CHECK_INT(sim_run(&s, &sink, NULL), 0);
	buf_release(&c.out);
	sim_release(&s);
	return c.hash;
}

TEST(sim_is_deterministic)
{
	uint64_t a = run_hash(42, 20000, 0.01), b = run_hash(42, 20000, 0.01);

	CHECK(a == b);
	CHECK(a != run_hash(43, 20000, 0.01));
	CHECK(a != run_hash(42, 20000, 0.02));
}

TEST(sim_matches_retailrocket_mix_at_1m_events)
{
	struct sim_params p;
	struct sim s;
	struct sim_sink sink = { 0 };

	sim_params_default(&p);
	CHECK_INT(sim_init(&s, &p), 0);
	CHECK_INT(sim_run(&s, &sink, NULL), 0);
	const struct sim_stats *st = &s.stats;
	double n = (double)st->events;
	CHECK(st->events > 900000 && st->events < 1150000);
	/* RetailRocket: 96.7% views, 2.5% add-to-carts, 0.8% transactions (within 10%) */
	CHECK_NEAR((double)st->by_type[EV_VIEW] / n, 0.967, 0.0967);
	CHECK_NEAR((double)st->by_type[EV_ADDTOCART] / n, 0.025, 0.0025);
	CHECK_NEAR((double)st->by_type[EV_TRANSACTION] / n, 0.008, 0.0008);
	/* about 1 visitor in 121 buys */
	double ratio = (double)st->visitors_active / (double)st->buyers;
	if (ratio < 100 || ratio > 145)
		test_fail(__FILE__, __LINE__, "1 buyer in %.1f visitors", ratio);
	CHECK(st->bots > 0);
	/* most sessions are short, many carts are abandoned: the truth is informative */
	CHECK(st->oracle_auc_session > 0.8 && st->oracle_auc_session < 0.99);
	CHECK(st->oracle_auc_points > st->oracle_auc_session - 0.05);
	sim_release(&s);
}

TEST(sim_oracle_matches_monte_carlo)
{
	struct sim_behaviour b = { .add_empty = 0.2, .add_more = 0.15, .buy = 0.25,
				   .remove = 0.05, .exit_empty = 0.5, .exit_cart = 0.3 };
	double q[SIM_CART_STATES];
	struct rng r;
	int bought[2] = { 0 }, trials = 200000;

	sim_oracle(&b, q);
	for (int c = 1; c < SIM_CART_STATES; c++)
		CHECK(q[c] >= q[c - 1]); /* a fuller cart never makes buying less likely */
	rng_seed(&r, 9);
	for (int start = 0; start < 2; start++) {
		for (int t = 0; t < trials; t++) {
			int cart = start;
			for (;;) {
				double x = rng_uniform(&r);
				double buy = cart ? b.buy : 0, add = cart ? b.add_more : b.add_empty;
				double rem = cart ? b.remove : 0, leave = cart ? b.exit_cart : b.exit_empty;
				if (x < buy) {
					bought[start]++;
					break;
				}
				x -= buy;
				if (x < add) {
					cart++;
					continue;
				}
				x -= add;
				if (x < rem) {
					cart--;
					continue;
				}
				x -= rem;
				if (x < leave)
					break;
			}
		}
		CHECK_NEAR((double)bought[start] / trials, q[start], 0.004);
	}
}

/* Every prediction point's two oracles, for the observable oracle's checks. */
struct points_seen {
	float *latent, *observable;
	uint8_t *bought;
	size_t n, cap;
};

static int keep_points(void *ctx, const struct sim_session_truth *t, const struct sim_point *p, uint32_t n)
{
	struct points_seen *c = ctx;

	if (t->bot)
		return 0;
	for (uint32_t i = 0; i < n; i++) {
		if (c->n == c->cap) {
			c->cap = c->cap ? 2 * c->cap : 1 << 16;
			CHECK((c->latent = realloc(c->latent, c->cap * sizeof(float))) != NULL);
			CHECK((c->observable = realloc(c->observable, c->cap * sizeof(float))) != NULL);
			CHECK((c->bought = realloc(c->bought, c->cap)) != NULL);
		}
		c->latent[c->n] = p[i].latent;
		c->observable[c->n] = p[i].observable;
		c->bought[c->n++] = t->purchased;
	}
	return 0;
}

static const float *sort_key;

static int by_observable(const void *a, const void *b)
{
	float x = sort_key[*(const size_t *)a], y = sort_key[*(const size_t *)b];

	return x < y ? -1 : x > y;
}

/*
 * The observable oracle is the posterior expectation of the latent one given what is seen,
 * so among points it scores alike, the latent oracle averages to the same value and so
 * does the purchase rate (a wrong prior, noise or likelihood term breaks both). And it
 * ranks below the latent oracle, which knows more.
 */
TEST(sim_observable_oracle_is_the_posterior)
{
	static const double edges[] = { 0, 0.5, 0.8, 0.9, 0.95, 0.98, 0.995, 1 };
	struct points_seen c = { 0 };
	struct sim_sink sink = { .ctx = &c, .points = keep_points };
	struct sim_params p;
	struct sim s;
	size_t *order;

	sim_params_default(&p);
	p.visitors = 300000;
	p.drift_at = p.start_ms + 20 * MS_PER_DAY;
	CHECK_INT(sim_init(&s, &p), 0);
	CHECK_INT(sim_run(&s, &sink, NULL), 0);
	CHECK(s.stats.oracle_auc_observable > 0.8);
	CHECK(s.stats.oracle_auc_observable < s.stats.oracle_auc_points - 0.03);
	CHECK((order = malloc(c.n * sizeof(*order))) != NULL);
	for (size_t i = 0; i < c.n; i++)
		order[i] = i;
	sort_key = c.observable;
	qsort(order, c.n, sizeof(*order), by_observable);
	for (size_t b = 0; b + 1 < ARRAY_SIZE(edges); b++) {
		size_t lo = (size_t)(edges[b] * (double)c.n), hi = (size_t)(edges[b + 1] * (double)c.n);
		double obs = 0, lat = 0, buys = 0, n = (double)(hi - lo);
		for (size_t k = lo; k < hi; k++) {
			obs += c.observable[order[k]];
			lat += c.latent[order[k]];
			buys += c.bought[order[k]];
		}
		obs /= n, lat /= n, buys /= n;
		/* the purchase rate within four standard errors, the latent mean within 5% */
		double se = sqrt(obs * (1 - obs) / n);
		if (fabs(lat - obs) > 0.05 * obs || fabs(buys - obs) > 4 * se + 0.02 * obs)
			test_fail(__FILE__, __LINE__, "points %.3f-%.3f (%zu): observable %.5f, latent %.5f, "
				  "bought %.5f (se %.5f)", edges[b], edges[b + 1], hi - lo, obs, lat, buys, se);
	}
	free(order);
	free(c.latent);
	free(c.observable);
	free(c.bought);
	sim_release(&s);
}

struct sess_check {
	const struct sim *s;
	struct strmap starts; /* "visitor/ordinal" -> start ts */
	struct sessionizer sz;
	uint64_t checked, past_midnight;
};

static int remember_session(void *ctx, const struct sim_session_truth *t)
{
	struct sess_check *c = ctx;
	char key[48];
	bool ins;
	int n = snprintf(key, sizeof(key), "%u/%u", t->visitor, t->ordinal);
	struct strmap_slot *slot = strmap_put(&c->starts, key, (size_t)n, &ins);

	if (!slot)
		return PP_ENOMEM;
	slot->value = (uint64_t)t->start_ts;
	return 0;
}

static int check_event(void *ctx, const struct sim_event *ev)
{
	struct sess_check *c = ctx;
	char key[48], vid[24], want[64];
	int n = snprintf(key, sizeof(key), "%u/%u", ev->visitor, ev->session);
	struct strmap_slot *slot = strmap_get(&c->starts, key, (size_t)n);
	struct event e;
	struct span id;
	bool started;

	CHECK(slot != NULL);
	event_clear(&e);
	e.ts = ev->ts;
	e.visitor_id.p = vid;
	e.visitor_id.len = (size_t)snprintf(vid, sizeof(vid), "%" PRIu64,
					    sim_visitor_id(c->s, ev->visitor));
	e.item_id = span_of("x");
	CHECK_INT(sessionizer_assign(&c->sz, &e, &id, &started), 0);
	int64_t start = (int64_t)slot->value;
	if (floor_div(ev->ts, MS_PER_DAY) != floor_div(start, MS_PER_DAY)) {
		/* past midnight UTC the session goes on under a new id: its first event there */
		bool ins;
		n = snprintf(key, sizeof(key), "%u/%u/%" PRId64, ev->visitor, ev->session,
			     floor_div(ev->ts, MS_PER_DAY));
		struct strmap_slot *day = strmap_put(&c->starts, key, (size_t)n, &ins);
		CHECK(day != NULL);
		if (ins)
			day->value = (uint64_t)ev->ts;
		start = (int64_t)day->value;
		c->past_midnight++;
	}
	n = snprintf(want, sizeof(want), "%s-%" PRId64, vid, start);
	if (id.len != (size_t)n || memcmp(id.p, want, id.len))
		test_fail(__FILE__, __LINE__, "event of %s at %" PRId64 ": session %.*s, truth %s", vid,
			  ev->ts, (int)id.len, id.p, want);
	c->checked++;
	return 0;
}

TEST(sessionizer_recovers_simulated_sessions)
{
	struct sim_params p;
	struct sim s;
	struct sess_check c = { .s = &s };
	struct sim_sink sink = { .ctx = &c, .event = check_event, .session = remember_session };

	sim_params_default(&p);
	p.visitors = 30000;
	CHECK_INT(sim_init(&s, &p), 0);
	strmap_init(&c.starts);
	sessionizer_init(&c.sz, 30 * MS_PER_MIN);
	CHECK_INT(sim_run(&s, &sink, NULL), 0);
	CHECK_INT(c.checked, s.stats.events);
	CHECK(c.checked > 50000);
	CHECK(c.past_midnight > 0); /* the midnight rule was exercised */
	sessionizer_release(&c.sz);
	strmap_release(&c.starts);
	sim_release(&s);
}

TEST(sim_formats)
{
	struct sim_params p;
	struct sim s;
	struct buf b = BUF_INIT;
	struct sim_event ev = { .ts = 1433221332117, .visitor = 3, .item = 5, .type = EV_TRANSACTION,
				.txn = 11117, .session = 0, .seq = 1 };

	sim_params_default(&p);
	p.visitors = 1000;
	CHECK_INT(sim_init(&s, &p), 0);
	CHECK_INT(sim_format_event(&s, SIM_RETAILROCKET, &ev, &b), 0);
	CHECK(strncmp(b.data, "1433221332117,", 14) == 0);
	CHECK_CONTAINS(b.data, ",transaction,");
	CHECK_CONTAINS(b.data, ",11117\n");
	buf_reset(&b);
	CHECK_INT(sim_format_event(&s, SIM_REES46, &ev, &b), 0);
	CHECK(strncmp(b.data, "2015-06-02 05:02:12 UTC,purchase,", 33) == 0);
	buf_reset(&b);
	ev.type = EV_REMOVEFROMCART;
	CHECK_INT(sim_format_event(&s, SIM_RETAILROCKET, &ev, &b), 1); /* not expressible */
	CHECK_INT(b.len, 0);
	for (uint64_t k = 0; k < 6; k++) {
		buf_reset(&b);
		CHECK_INT(sim_format_malformed(&s, SIM_NDJSON, k, &ev, &b), 0);
		CHECK(b.len > 0 && b.data[b.len - 1] == '\n');
	}
	buf_release(&b);
	sim_release(&s);
}
