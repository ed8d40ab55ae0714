/*
 * sim.c - the session model and the time-ordered event stream.
 *
 * Pass 1 draws, per visitor, whether it is a bot, its base purchase propensity and the
 * start times of its sessions (headers only). The headers are sorted by start time; pass
 * 2 generates each session's events in that order and keeps them in a heap keyed by
 * arrival time, releasing every event that arrives before the next session starts.
 * Memory is one small header per session plus the events of overlapping sessions.
 */
#include "sim/sim_bayes.h"
#include "sim/sim_internal.h"
#include "core/err.h"
#include "core/mem.h"
#include "core/timeutil.h"
#include "event/event.h"

#include <math.h>

/* Behaviour constants, calibrated to RetailRocket's published mix at 1M events. */
#define EXIT_EMPTY 0.60    /* leave after an event, empty cart */
#define EXIT_CART 0.30     /* leave with items in the cart: an abandoned cart */
#define ADD_EMPTY_K 0.52   /* add-to-cart chance = K * intent */
#define ADD_MORE_K 3.6
#define BUY_BASE 0.012
#define BUY_K 0.62
#define REMOVE_P 0.03
#define GAP_MEDIAN_S 40.0  /* between events of a session */
#define GAP_SIGMA 1.0
#define SESSION_MAX_MS (89 * MS_PER_MIN)
#define SESSION_SPACING_MS (2 * MS_PER_HOUR)
#define MAX_CART 32

enum { STREAM_VISITOR = 1, STREAM_SESSION = 2, STREAM_NOISE = 3 };

/* Relative traffic by hour of day (UTC) and day of week (Sunday first). */
static const double hour_weight[24] = {
	0.35, 0.25, 0.18, 0.15, 0.15, 0.2, 0.35, 0.55, 0.75, 0.9, 1.0, 1.0,
	1.0, 1.0, 0.95, 0.95, 1.0, 1.1, 1.25, 1.4, 1.5, 1.4, 1.05, 0.6,
};
static const double wday_weight[7] = { 0.85, 1.05, 1.05, 1.0, 1.0, 0.95, 0.8 };

void sim_params_default(struct sim_params *p)
{
	memset(p, 0, sizeof(*p));
	p->seed = 42;
	p->visitors = 467000;
	p->days = 30;
	p->start_ms = days_from_civil(2015, 5, 3) * MS_PER_DAY;
	p->bot_share = 0.0002;
}

int sim_init(struct sim *s, const struct sim_params *p)
{
	int rc;

	memset(s, 0, sizeof(*s));
	s->p = *p;
	if (p->visitors == 0 || p->visitors > UINT32_MAX / 2 || p->days <= 0)
		return pp_error(PP_EINVAL, "visitors must be 1 to %u and days positive",
				UINT32_MAX / 2);
	s->visitor_id_mod = 1;
	while (s->visitor_id_mod < p->visitors * 2)
		s->visitor_id_mod <<= 1;
	s->visitor_id_mult = 0x5851f42du | 1;
	rc = sim_catalog_build(s);
	if (rc)
		sim_release(s);
	return rc;
}

void sim_release(struct sim *s)
{
	sim_catalog_release(s);
}

/* ---- pass 1: visitors and session headers ------------------------------------ */

struct header {
	int64_t start;
	uint32_t visitor;
	uint32_t ordinal;
};

struct visitor_draw {
	bool bot;
	double base; /* base purchase propensity */
};

static void draw_visitor(const struct sim *s, uint32_t v, struct rng *r, struct visitor_draw *d)
{
	rng_fork(r, s->p.seed, STREAM_VISITOR, v);
	d->bot = rng_chance(r, s->p.bot_share);
	d->base = d->bot ? 0 : rng_lognormal(r, INTENT_MU, INTENT_SIGMA);
}

/* A start time: a day weighted by weekday, an hour weighted by the daily rhythm. */
static int64_t draw_start(const struct sim *s, struct rng *r, int64_t from)
{
	double total = 0, x;
	int h;

	(void)s;
	for (h = 0; h < 24; h++)
		total += hour_weight[h];
	x = rng_uniform(r) * total;
	for (h = 0; h < 23 && x >= hour_weight[h]; h++)
		x -= hour_weight[h];
	return from + h * MS_PER_HOUR + (int64_t)rng_below(r, MS_PER_HOUR);
}

static int64_t draw_first_day(const struct sim *s, struct rng *r)
{
	int64_t start_day = floor_div(s->p.start_ms, MS_PER_DAY);

	/* Rejection against the weekday weight keeps days uniform otherwise. */
	for (;;) {
		int64_t d = (int64_t)rng_below(r, (uint64_t)s->p.days);
		struct civil c;
		civil_from_ms((start_day + d) * MS_PER_DAY, &c);
		if (rng_uniform(r) * 1.05 < wday_weight[c.wday])
			return (start_day + d) * MS_PER_DAY;
	}
}

static int push_header(struct header **h, size_t *n, size_t *cap, struct header x)
{
	if (pp_array_grow(h, *n, cap, sizeof(**h), 1 << 16))
		return PP_ENOMEM;
	(*h)[(*n)++] = x;
	return 0;
}

static int by_start(const void *a, const void *b)
{
	const struct header *x = a, *y = b;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	if (x->visitor != y->visitor)
		return x->visitor < y->visitor ? -1 : 1;
	return x->ordinal < y->ordinal ? -1 : x->ordinal > y->ordinal;
}

static int plan_sessions(const struct sim *s, struct header **out, size_t *nout)
{
	int64_t end = s->p.start_ms + s->p.days * MS_PER_DAY;
	size_t n = 0, cap = 0;
	struct header *h = NULL;
	uint32_t v;
	int rc;

	for (v = 0; v < s->p.visitors; v++) {
		struct visitor_draw d;
		struct rng r;
		int64_t t;
		uint32_t k;
		double p_return;
		draw_visitor(s, v, &r, &d);
		t = draw_start(s, &r, draw_first_day(s, &r));
		p_return = d.bot ? 0.5 : sim_return_chance(d.base);
		for (k = 0; t < end; k++) {
			if ((rc = push_header(&h, &n, &cap, (struct header){ t, v, k })))
				goto fail;
			if (k >= 200 || !rng_chance(&r, p_return))
				break;
			t += SESSION_SPACING_MS + (int64_t)rng_exponential(&r, 3.0 * MS_PER_DAY);
		}
	}
	qsort(h, n, sizeof(*h), by_start);
	*out = h;
	*nout = n;
	return 0;
fail:
	pp_free(h);
	return rc;
}

/* ---- the event heap ----------------------------------------------------------- */

struct heap {
	struct sim_event *e;
	size_t n, cap;
};

static bool before(const struct sim_event *a, const struct sim_event *b)
{
	return a->arrive != b->arrive ? a->arrive < b->arrive : a->seq < b->seq;
}

static int heap_push(struct heap *h, const struct sim_event *ev)
{
	size_t i;

	if (pp_array_grow(&h->e, h->n, &h->cap, sizeof(*h->e), 4096))
		return PP_ENOMEM;
	i = h->n++;
	while (i && before(ev, &h->e[(i - 1) / 2])) {
		h->e[i] = h->e[(i - 1) / 2];
		i = (i - 1) / 2;
	}
	h->e[i] = *ev;
	return 0;
}

static void heap_pop(struct heap *h, struct sim_event *out)
{
	struct sim_event last;
	size_t i = 0;

	*out = h->e[0];
	last = h->e[--h->n];
	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= h->n)
			break;
		if (c + 1 < h->n && before(&h->e[c + 1], &h->e[c]))
			c++;
		if (!before(&h->e[c], &last))
			break;
		h->e[i] = h->e[c];
		i = c;
	}
	if (h->n)
		h->e[i] = last;
}

/* ---- pass 2: sessions ---------------------------------------------------------- */

struct run {
	struct sim *s;
	const struct sim_sink *sink;
	struct heap heap;
	struct rng noise;
	uint64_t seq;
	uint32_t next_txn;
	struct auc_hist session_auc, point_auc, observable_auc;
	struct progress *prog;
	/* the session being generated */
	struct sim_event buf[1200];
	uint32_t nbuf;
	struct sim_point points[1200]; /* each prediction point of the session */
	uint32_t npoints;
	struct sim_bayes *bayes;
	struct bayes_session observed;
	uint8_t *buyer; /* one bit per visitor */
};

double sim_return_chance(double base)
{
	return fmin(0.8, RETURN_BASE + RETURN_K * fmin(1.0, 8 * base));
}

void sim_behaviour_for(double u, bool drifted, struct sim_behaviour *b)
{
	double add_mult = drifted ? 1.5 : 1.0, buy_mult = drifted ? 0.6 : 1.0;

	b->add_empty = fmin(0.35, ADD_EMPTY_K * u * add_mult);
	b->add_more = fmin(0.45, ADD_MORE_K * u * add_mult);
	b->buy = fmin(0.4, (BUY_BASE + BUY_K * u) * buy_mult);
	b->remove = REMOVE_P;
	b->exit_empty = EXIT_EMPTY;
	/* Leaving takes what buying, adding and removing leave over (the session draws them
	 * in that order): this is what the session does, and what the oracle must solve. */
	b->exit_cart = fmin(EXIT_CART, 1 - b->buy - b->add_more - b->remove);
}

static void add_event(struct run *run, int64_t ts, uint32_t visitor, uint32_t ordinal,
		      uint32_t item, enum event_type type, uint32_t txn)
{
	struct sim_event *e;

	if (run->nbuf == ARRAY_SIZE(run->buf))
		return;
	e = &run->buf[run->nbuf++];
	e->arrive = ts;
	e->ts = ts;
	e->visitor = visitor;
	e->session = ordinal;
	e->item = item;
	e->txn = txn;
	e->type = (uint8_t)type;
	e->flags = 0;
	e->seq = run->seq++;
}

static int64_t next_gap(struct rng *r)
{
	double g = GAP_MEDIAN_S * 1000.0 * exp(GAP_SIGMA * rng_normal(r));

	if (g < 1000)
		g = 1000 + g;
	if (g > 29 * MS_PER_MIN)
		g = 29 * MS_PER_MIN;
	return (int64_t)g;
}

static void bot_session(struct run *run, const struct header *h, struct rng *r,
			struct sim_session_truth *t)
{
	const struct sim *s = run->s;
	uint32_t n = 100 + (uint32_t)rng_below(r, 500), i;
	int64_t ts = h->start, step = 300 + (int64_t)rng_below(r, 2500);

	for (i = 0; i < n && ts - h->start < 29 * MS_PER_MIN; i++) {
		add_event(run, ts, h->visitor, h->ordinal, (uint32_t)rng_below(r, s->nitems), EV_VIEW,
			  0);
		run->points[run->npoints++] = (struct sim_point){ 0, 0 };
		ts += step + (int64_t)rng_below(r, (uint64_t)step);
	}
	t->bot = true;
	t->intent = 0;
	t->propensity = 0;
}

static int human_session(struct run *run, const struct header *h, double base, struct rng *r,
			 struct sim_session_truth *t)
{
	struct sim *s = run->s;
	struct civil c;
	struct sim_behaviour b;
	double q[SIM_CART_STATES], u, factor;
	uint32_t cart[MAX_CART], ncart = 0, viewed[64], nviewed = 0, item, focus;
	bool drifted = s->p.drift_at && h->start >= s->p.drift_at;
	int64_t ts = h->start;
	bool bought = false;

	civil_from_ms(h->start, &c);
	focus = alias_draw(drifted ? &s->cat_pop_drift : &s->cat_pop, r);
	factor = s->cats[focus].conversion * (c.hour >= 18 && c.hour <= 22 ? 1.25 : 1.0);
	u = base * factor * exp(SESSION_SIGMA * rng_normal(r));
	sim_bayes_begin(run->bayes, &run->observed, h->visitor, h->ordinal, log(factor), drifted);
	if (u > 1)
		u = 1;
	sim_behaviour_for(u, drifted, &b);
	sim_oracle(&b, q);
	t->intent = u;
	t->propensity = q[0];
	t->bot = false;
	if (!s->cat_items[focus].n)
		focus = s->items[alias_draw(&s->item_pop, r)].category;
	item = s->cat_members[focus][alias_draw(&s->cat_items[focus], r)];
	add_event(run, ts, h->visitor, h->ordinal, item, EV_VIEW, 0);
	for (;;) {
		uint32_t state = ncart < SIM_CART_STATES ? ncart : SIM_CART_STATES - 1;
		double x = rng_uniform(r);
		double p_add = ncart ? b.add_more : b.add_empty;
		double p_buy = ncart ? b.buy : 0, p_rem = ncart ? b.remove : 0;
		double p_exit = ncart ? b.exit_cart : b.exit_empty;
		/* A prediction point after every event before the first purchase. */
		if (!bought && run->npoints < ARRAY_SIZE(run->points))
			run->points[run->npoints++] = (struct sim_point){
				(float)q[state], (float)sim_bayes_score(&run->observed, ncart) };
		if (nviewed < ARRAY_SIZE(viewed))
			viewed[nviewed++] = item;
		ts += next_gap(r);
		if (ts - h->start > SESSION_MAX_MS || run->nbuf + MAX_CART + 2 >= ARRAY_SIZE(run->buf))
			break;
		if (x < p_buy) {
			uint32_t txn = ++run->next_txn, i;
			for (i = 0; i < ncart; i++)
				add_event(run, ts + i, h->visitor, h->ordinal, cart[i], EV_TRANSACTION, txn);
			ncart = 0;
			run->s->stats.transactions++;
			sim_bayes_step(&run->observed, BAYES_BUY, false);
			bought = true;
			/* A few look around after paying; then they leave. */
			if (!rng_chance(r, 0.25))
				break;
			b.add_empty = b.add_more = b.buy = 0;
			continue;
		}
		x -= p_buy;
		if (x < p_add) {
			if (!bought)
				sim_bayes_step(&run->observed, BAYES_ADD, ncart == 0);
			if (ncart < MAX_CART)
				cart[ncart++] = item;
			add_event(run, ts, h->visitor, h->ordinal, item, EV_ADDTOCART, 0);
			continue;
		}
		x -= p_add;
		if (x < p_rem) {
			uint32_t k = (uint32_t)rng_below(r, ncart);
			add_event(run, ts, h->visitor, h->ordinal, cart[k], EV_REMOVEFROMCART, 0);
			cart[k] = cart[--ncart];
			continue;
		}
		x -= p_rem;
		if (x < p_exit)
			break;
		if (!bought)
			sim_bayes_step(&run->observed, BAYES_VIEW, ncart == 0);
		/* Another view: same category, an item seen before, or anything popular. */
		x = rng_uniform(r);
		if (x < 0.15 && nviewed)
			item = viewed[rng_below(r, nviewed)];
		else if (x < 0.70)
			item = s->cat_members[focus][alias_draw(&s->cat_items[focus], r)];
		else
			item = alias_draw(&s->item_pop, r);
		add_event(run, ts, h->visitor, h->ordinal, item, EV_VIEW, 0);
	}
	t->purchased = bought;
	return sim_bayes_end(run->bayes, &run->observed, h->visitor);
}

/* ---- the stream ------------------------------------------------------------------ */

static int deliver(struct run *run, struct sim_event *ev)
{
	const struct sim_params *p = &run->s->p;
	const struct sim_sink *sink = run->sink;
	struct sim_stats *st = &run->s->stats;
	int rc = 0;

	if (!(ev->flags & SIM_LATE) && p->late_rate > 0 && rng_chance(&run->noise, p->late_rate)) {
		/* Delivered one to a few dozen hours late: a phone that was offline. */
		ev->flags |= SIM_LATE;
		ev->arrive = ev->ts + MS_PER_HOUR + (int64_t)rng_exponential(&run->noise, 8.0 * MS_PER_HOUR);
		st->late++;
		return heap_push(&run->heap, ev);
	}
	st->events++;
	st->by_type[ev->type]++;
	if (sink->event && (rc = sink->event(sink->ctx, ev)))
		return rc;
	if (p->duplicate_rate > 0 && rng_chance(&run->noise, p->duplicate_rate)) {
		struct sim_event dup = *ev;
		dup.flags |= SIM_DUPLICATE;
		st->duplicates++;
		if (sink->event && (rc = sink->event(sink->ctx, &dup)))
			return rc;
	}
	if (p->malformed_rate > 0 && rng_chance(&run->noise, p->malformed_rate)) {
		st->malformed++;
		if (sink->malformed &&
		    (rc = sink->malformed(sink->ctx, ev->arrive, rng_next(&run->noise), ev)))
			return rc;
	}
	if (run->prog)
		progress_update(run->prog, st->events);
	return 0;
}

static int release_before(struct run *run, int64_t t)
{
	struct sim_event ev;
	int rc;

	while (run->heap.n && run->heap.e[0].arrive < t) {
		heap_pop(&run->heap, &ev);
		if ((rc = deliver(run, &ev)))
			return rc;
	}
	return 0;
}

static int run_session(struct run *run, const struct header *h)
{
	struct sim *s = run->s;
	struct sim_session_truth t = { .visitor = h->visitor, .ordinal = h->ordinal,
				       .start_ts = h->start };
	struct visitor_draw d;
	struct rng r;
	uint32_t i;
	int rc;

	draw_visitor(s, h->visitor, &r, &d);
	rng_fork(&r, s->p.seed, STREAM_SESSION, ((uint64_t)h->visitor << 16) | h->ordinal);
	run->nbuf = 0;
	run->npoints = 0;
	if (d.bot)
		bot_session(run, h, &r, &t);
	else if ((rc = human_session(run, h, d.base, &r, &t)))
		return rc;
	t.events = run->nbuf;
	for (i = 0; i < run->npoints; i++) {
		auc_hist_add(&run->point_auc, run->points[i].latent, t.purchased);
		auc_hist_add(&run->observable_auc, run->points[i].observable, t.purchased);
	}
	if (run->sink->points && run->npoints &&
	    (rc = run->sink->points(run->sink->ctx, &t, run->points, run->npoints)))
		return rc;
	s->stats.points += run->npoints;
	auc_hist_add(&run->session_auc, t.propensity, t.purchased);
	s->stats.sessions++;
	if (d.bot && h->ordinal == 0)
		s->stats.bots++;
	if (h->ordinal == 0)
		s->stats.visitors_active++;
	if (t.purchased && !(run->buyer[h->visitor / 8] & (1u << (h->visitor % 8)))) {
		run->buyer[h->visitor / 8] |= (uint8_t)(1u << (h->visitor % 8));
		s->stats.buyers++;
	}
	if (run->sink->session && (rc = run->sink->session(run->sink->ctx, &t)))
		return rc;
	for (i = 0; i < run->nbuf; i++)
		if ((rc = heap_push(&run->heap, &run->buf[i])))
			return rc;
	return 0;
}

int sim_run(struct sim *s, const struct sim_sink *sink, struct progress *prog)
{
	struct run *run = pp_calloc(1, sizeof(*run));
	struct header *h = NULL;
	size_t nh = 0, i;
	int rc;

	if (!run)
		return PP_ENOMEM;
	memset(&s->stats, 0, sizeof(s->stats));
	run->s = s;
	run->sink = sink;
	run->prog = prog;
	rng_fork(&run->noise, s->p.seed, STREAM_NOISE, 0);
	run->buyer = pp_calloc(s->p.visitors / 8 + 1, 1);
	if (!run->buyer || (rc = auc_hist_init(&run->session_auc)) ||
	    (rc = auc_hist_init(&run->point_auc)) || (rc = auc_hist_init(&run->observable_auc)) ||
	    (rc = sim_bayes_new(&run->bayes, (uint32_t)s->p.visitors))) {
		rc = PP_ENOMEM;
		goto out;
	}
	if ((rc = plan_sessions(s, &h, &nh)))
		goto out;
	for (i = 0; i < nh; i++)
		sim_bayes_plan(run->bayes, h[i].visitor);
	for (i = 0; i < nh; i++) {
		sim_bayes_prefetch(run->bayes, i + 16 < nh ? h[i + 16].visitor : UINT32_MAX,
				   i + 4 < nh ? h[i + 4].visitor : UINT32_MAX);
		if ((rc = release_before(run, h[i].start)) || (rc = run_session(run, &h[i])))
			goto out;
		if (prog && (i & 4095) == 4095 && s->stats.events)
			prog->total = (uint64_t)((double)s->stats.events * (double)nh / (double)(i + 1));
	}
	if ((rc = release_before(run, INT64_MAX)))
		goto out;
	s->stats.oracle_auc_session = auc_hist_value(&run->session_auc);
	s->stats.oracle_auc_points = auc_hist_value(&run->point_auc);
	s->stats.oracle_auc_observable = auc_hist_value(&run->observable_auc);
	if (prog) {
		prog->total = s->stats.events;
		progress_set(prog, s->stats.events);
	}
out:
	pp_free(h);
	pp_free(run->heap.e);
	pp_free(run->buyer);
	auc_hist_release(&run->session_auc);
	auc_hist_release(&run->point_auc);
	auc_hist_release(&run->observable_auc);
	sim_bayes_free(run->bayes);
	pp_free(run);
	return rc;
}
