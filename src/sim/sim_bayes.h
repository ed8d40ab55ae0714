/*
 * sim_bayes.h - the observable oracle: the probability that a session buys, given only what
 * a model can see (the visitor's earlier sessions, the session so far, its category and hour).
 *
 * sim_oracle knows each session's latent intent u; no model does, so its AUC is a ceiling
 * nobody reaches. This one is the Bayes posterior instead: u = base * category factor *
 * evening * exp(0.6 n), the visitor's log base has a normal prior updated by each of its
 * earlier sessions (their events, their purchase, and the fact that the visitor came back),
 * and every step of the session so far is a likelihood term in u. The expectation of
 * sim_oracle's q over that posterior is the best prediction any model can make; its AUC
 * is the ceiling a model is judged against.
 *
 * Numerically: log u on a lattice of step 0.1, the session noise a discrete kernel on the
 * same lattice, the category and hour factors rounded to it (an error of at most 0.05 in
 * log u, far below the noise's 0.6). Owned by one simulation run; not thread safe.
 */
#ifndef PP_SIM_BAYES_H
#define PP_SIM_BAYES_H

#include "sim/sim_internal.h"

#define BAYES_NX 260 /* log u lattice: -18.45 .. +7.45 */
#define BAYES_NB 135 /* log base lattice: the prior's mean +- 5 sd */

struct bayes_tables {
	double add0[BAYES_NX], add1[BAYES_NX]; /* add-to-cart, empty cart / not */
	double view0[BAYES_NX], view1[BAYES_NX];
	double buy[BAYES_NX];
	double q[SIM_CART_STATES][BAYES_NX];
};

struct sim_bayes;

/* One session being observed. */
struct bayes_session {
	const struct bayes_tables *t;
	double prior[BAYES_NX], like[BAYES_NX];
	int lo, hi; /* where the prior has mass */
	int off;    /* lattice shift from log base to log u (category and hour) */
	float *base; /* the visitor's posterior over log base (NULL: the prior) */
};

enum bayes_step { BAYES_ADD, BAYES_VIEW, BAYES_BUY };

int sim_bayes_new(struct sim_bayes **out, uint32_t visitors);
void sim_bayes_free(struct sim_bayes *b);

/* The visitor has one more session planned (called while planning, in any order). */
void sim_bayes_plan(struct sim_bayes *b, uint32_t visitor);

/* A session of `visitor` (its `ordinal`-th) begins; log_factor = log(category * hour). */
void sim_bayes_begin(struct sim_bayes *b, struct bayes_session *s, uint32_t visitor,
		     uint32_t ordinal, double log_factor, bool drifted);
/* A hint: the visitors of the sessions coming soon (their state is far apart in memory). */
void sim_bayes_prefetch(const struct sim_bayes *b, uint32_t soon, uint32_t sooner);
/* One observed step from a cart that was empty or not. */
void sim_bayes_step(struct bayes_session *s, enum bayes_step step, bool cart_empty);
/* P(a purchase follows | everything observed), with `cart` items in the cart now. */
double sim_bayes_score(const struct bayes_session *s, uint32_t cart);
/* The session is over: fold it into the visitor's posterior if more sessions follow. */
int sim_bayes_end(struct sim_bayes *b, struct bayes_session *s, uint32_t visitor);

#endif
