/*
 * sim.h - a synthetic shop whose clickstream resembles RetailRocket's
 * (see docs/internals/simulator.md for the model and its calibration).
 *
 * Deterministic: everything is drawn from streams forked off the seed by visitor and
 * session, so the output depends on the parameters alone. Events come out in arrival
 * order (time order, except late events, which arrive hours after their timestamp).
 *
 * Each session has a latent purchase intent u; what happens next depends only on u and
 * the number of items in the cart, so the true probability that the session buys from
 * any point on can be computed exactly (sim_oracle). The AUC of that truth is the
 * ceiling any model can reach on this data.
 */
#ifndef PP_SIM_H
#define PP_SIM_H

#include "core/buf.h"
#include "core/common.h"
#include "core/progress.h"
#include "core/rng.h"

struct sim_params {
	uint64_t seed;
	uint64_t visitors;
	int64_t days;
	int64_t start_ms;
	uint64_t items;      /* 0: visitors / 6 */
	double bot_share;    /* fraction of visitors that are bots */
	double malformed_rate, duplicate_rate, late_rate;
	int64_t drift_at;    /* 0: no drift */
};

void sim_params_default(struct sim_params *p);

struct sim_item {
	uint64_t id;
	uint32_t category;
	uint32_t price_cents;
	uint32_t brand;
	bool available;
};

struct sim_category {
	uint64_t id;
	int32_t parent; /* index, -1 for a root */
	float conversion; /* multiplies the intent of sessions focused here */
};

enum sim_event_flags { SIM_LATE = 1, SIM_DUPLICATE = 2 };

struct sim_event {
	int64_t arrive; /* when the shop's tracker delivers it */
	int64_t ts;
	uint32_t visitor;
	uint32_t item;
	uint32_t txn; /* 0 when not a transaction */
	uint32_t session; /* ordinal of the visitor's session */
	uint8_t type; /* enum event_type */
	uint8_t flags;
	uint64_t seq; /* generation order: a stable event id */
};

struct sim_session_truth {
	uint32_t visitor;
	uint32_t ordinal;
	int64_t start_ts;
	uint32_t events;
	double intent;
	double propensity; /* probability of a purchase, as of the session's start */
	bool purchased;
	bool bot;
};

/* A prediction point (after an event, before the session's first purchase) and the two
 * oracles' probability that a purchase follows: knowing the session's latent intent, and
 * knowing only what a model can observe (sim_bayes.h). */
struct sim_point {
	float latent, observable;
};

/* What the caller does with the stream. Any callback may be NULL. */
struct sim_sink {
	void *ctx;
	int (*event)(void *ctx, const struct sim_event *ev);
	/* A garbage line (already formatted by sim_malformed) arriving at `arrive`. */
	int (*malformed)(void *ctx, int64_t arrive, uint64_t kind, const struct sim_event *near);
	int (*session)(void *ctx, const struct sim_session_truth *t);
	/* The session's prediction points, after `session`. */
	int (*points)(void *ctx, const struct sim_session_truth *t, const struct sim_point *p,
		      uint32_t n);
};

struct sim_stats {
	uint64_t events, by_type[4], sessions, visitors_active, buyers, bots, transactions;
	uint64_t malformed, duplicates, late;
	double oracle_auc_session; /* truth at session start vs purchase */
	double oracle_auc_points;  /* truth at each prediction point vs purchase later */
	double oracle_auc_observable; /* the same, knowing only what a model can see */
	uint64_t points;
};

struct sim {
	struct sim_params p;
	struct sim_item *items;
	uint32_t nitems;
	struct sim_category *cats;
	uint32_t ncats;
	uint64_t visitor_id_mult, visitor_id_mod;
	/* private to sim.c */
	struct alias_table item_pop, cat_pop, cat_pop_drift, *cat_items;
	uint32_t **cat_members;
	struct sim_stats stats;
};

int sim_init(struct sim *s, const struct sim_params *p);
void sim_release(struct sim *s);

/* Runs the whole simulation, feeding the sink; progress is reported per event. */
int sim_run(struct sim *s, const struct sim_sink *sink, struct progress *prog);

/* Ids as text, stable for a given seed. */
uint64_t sim_visitor_id(const struct sim *s, uint32_t visitor);

/* ---- oracle ---- */

/* Exact-enough AUC from a histogram of scores in [0,1] (2^20 bins). */
struct auc_hist {
	uint32_t *pos, *neg;
};
int auc_hist_init(struct auc_hist *h);
void auc_hist_add(struct auc_hist *h, double score, bool label);
double auc_hist_value(const struct auc_hist *h);
void auc_hist_release(struct auc_hist *h);

#endif
