/*
 * sim_oracle.c - the simulator's ground truth: exact purchase probabilities and the AUC
 * they reach, which is the ceiling for any model trained on simulated data.
 */
#include "sim/sim_internal.h"
#include "core/err.h"
#include "core/mem.h"

/*
 * From cart state c the next step buys, adds (c+1), removes (c-1), views (stays) or
 * leaves. q[c] = P(purchase eventually | c) solves
 *   q[c] * (1 - view) = buy + add * q[c+1] + remove * q[c-1]
 * a tridiagonal system (q[-1] unused; the top state adds into itself), solved by the
 * Thomas algorithm.
 */
void sim_oracle(const struct sim_behaviour *b, double q[SIM_CART_STATES])
{
	double lo[SIM_CART_STATES], di[SIM_CART_STATES], up[SIM_CART_STATES], rhs[SIM_CART_STATES];
	int c;

	for (c = 0; c < SIM_CART_STATES; c++) {
		double add = c ? b->add_more : b->add_empty;
		double buy = c ? b->buy : 0;
		double rem = c ? b->remove : 0;
		double leave = c ? b->exit_cart : b->exit_empty;
		/* 1 - view = everything that moves or ends the session */
		di[c] = add + buy + rem + leave;
		lo[c] = c ? -rem : 0;
		up[c] = c + 1 < SIM_CART_STATES ? -add : 0;
		if (c + 1 == SIM_CART_STATES)
			di[c] -= add; /* adding to a full-state cart stays in the state */
		rhs[c] = buy;
	}
	for (c = 1; c < SIM_CART_STATES; c++) {
		double m = lo[c] / di[c - 1];
		di[c] -= m * up[c - 1];
		rhs[c] -= m * rhs[c - 1];
	}
	q[SIM_CART_STATES - 1] = rhs[SIM_CART_STATES - 1] / di[SIM_CART_STATES - 1];
	for (c = SIM_CART_STATES - 2; c >= 0; c--)
		q[c] = (rhs[c] - up[c] * q[c + 1]) / di[c];
}

#define AUC_BINS (1u << 20)

int auc_hist_init(struct auc_hist *h)
{
	h->pos = pp_calloc(AUC_BINS, sizeof(uint32_t));
	h->neg = pp_calloc(AUC_BINS, sizeof(uint32_t));
	if (!h->pos || !h->neg) {
		auc_hist_release(h);
		return PP_ENOMEM;
	}
	return 0;
}

void auc_hist_add(struct auc_hist *h, double score, bool label)
{
	uint32_t bin;

	if (!(score > 0))
		score = 0;
	if (score >= 1)
		score = 0.9999999;
	bin = (uint32_t)(score * AUC_BINS);
	if (label)
		h->pos[bin]++;
	else
		h->neg[bin]++;
}

/* Mann-Whitney: P(score of a positive > score of a negative), ties (same bin) count half. */
double auc_hist_value(const struct auc_hist *h)
{
	double neg_below = 0, pairs = 0, npos = 0, nneg = 0;
	uint32_t i;

	for (i = 0; i < AUC_BINS; i++) {
		pairs += (double)h->pos[i] * (neg_below + 0.5 * h->neg[i]);
		neg_below += h->neg[i];
		npos += h->pos[i];
	}
	nneg = neg_below;
	return npos > 0 && nneg > 0 ? pairs / (npos * nneg) : 0.5;
}

void auc_hist_release(struct auc_hist *h)
{
	pp_free(h->pos);
	pp_free(h->neg);
	h->pos = h->neg = NULL;
}
