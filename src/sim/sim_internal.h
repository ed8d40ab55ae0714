/* sim_internal.h - shared between the simulator's files; not for the rest of ppredict. */
#ifndef PP_SIM_INTERNAL_H
#define PP_SIM_INTERNAL_H

#include "sim/sim.h"

int sim_catalog_build(struct sim *s);
void sim_catalog_release(struct sim *s);

/* Behaviour of one session, as the oracle needs it. */
struct sim_behaviour {
	double add_empty; /* add-to-cart chance per step, empty cart */
	double add_more;  /* ... with items in the cart */
	double buy;       /* transaction chance per step, items in the cart */
	double remove;    /* remove-from-cart chance per step, items in the cart */
	double exit_empty, exit_cart;
};

/* The visitor model, shared with the observable oracle. */
#define INTENT_MU (-4.7)   /* visitor base propensity: lognormal */
#define INTENT_SIGMA 1.35
#define SESSION_SIGMA 0.6  /* session-to-session noise around the visitor's base */
#define RETURN_BASE 0.08   /* chance of one more session */
#define RETURN_K 0.6

/* A session's behaviour from its intent u, before or after the drift. */
void sim_behaviour_for(double u, bool drifted, struct sim_behaviour *b);
/* The chance that a visitor of this base propensity comes back once more. */
double sim_return_chance(double base);

#define SIM_CART_STATES 5 /* cart sizes 0..4; larger carts behave as 4 */

/* Probability of a purchase from each cart state, given the behaviour (exact). */
void sim_oracle(const struct sim_behaviour *b, double q[SIM_CART_STATES]);

#endif
