/*
 * sim_bayes.c - the observable oracle (see sim_bayes.h for the model).
 */
#include "sim/sim_bayes.h"
#include "core/err.h"
#include "core/mem.h"

#include <math.h>

#define H 0.1                                    /* lattice step in log u */
#define B0 (INTENT_MU - 5 * INTENT_SIGMA)         /* first log base on its lattice */
#define X0 (B0 - 70 * H)                          /* first log u on its lattice */
#define B_TO_X 70                                 /* x index of b index 0 */
#define KR 24                                     /* kernel radius: 4 sd of the noise */
#define NK (2 * KR + 1)
#define NCONV (BAYES_NB + 2 * KR)                 /* a base posterior convolved */
#define OFF_MIN (-B_TO_X + KR)
#define OFF_MAX (BAYES_NX - B_TO_X - BAYES_NB - KR)

struct sim_bayes {
	struct bayes_tables tables[2]; /* before and after the drift */
	double prior_b[BAYES_NB];      /* the population's prior over log base */
	double conv_prior[NCONV];      /* ... convolved with the session noise */
	int conv_lo, conv_hi;          /* where it has mass (offsets in it) */
	double kernel[NK];
	double comeback[BAYES_NB];     /* the chance of one more session, by log base */
	uint8_t *remaining;            /* sessions still to come, per visitor */
	float **base;                  /* posterior over log base, while sessions remain */
	uint32_t visitors;
};

static void tables_fill(struct bayes_tables *t, bool drifted)
{
	int j, c;

	for (j = 0; j < BAYES_NX; j++) {
		double x = X0 + j * H, q[SIM_CART_STATES];
		struct sim_behaviour b;
		sim_behaviour_for(x >= 0 ? 1.0 : exp(x), drifted, &b);
		sim_oracle(&b, q);
		t->add0[j] = b.add_empty;
		t->add1[j] = b.add_more;
		t->view0[j] = fmax(0, 1 - b.add_empty - b.exit_empty);
		t->view1[j] = fmax(0, 1 - b.add_more - b.buy - b.remove - b.exit_cart);
		t->buy[j] = b.buy;
		for (c = 0; c < SIM_CART_STATES; c++)
			t->q[c][j] = q[c];
	}
}

/* Two doubles at a time (GCC's and clang's vector extension: SSE2, which every x86-64 has).
 * Each element still adds its terms in the same order as a scalar loop would, so the
 * results are the same to the bit. */
typedef double v2d __attribute__((vector_size(16)));

/* y[0..n) += w * x[0..n) */
static inline void axpy(double *restrict y, double w, const double *restrict x, int n)
{
	const v2d w2 = { w, w };
	int i = 0;

	for (; i + 2 <= n; i += 2) {
		v2d a, b;
		memcpy(&a, y + i, sizeof(a));
		memcpy(&b, x + i, sizeof(b));
		a += w2 * b;
		memcpy(y + i, &a, sizeof(a));
	}
	for (; i < n; i++)
		y[i] += w * x[i];
}

/* out[m] = sum_i p[i] kernel[m - i]: the log-u distribution of a session, before shifting.
 * p's values under 1e-13 of its largest (1 for a visitor's posterior) add nothing to tell. */
static void convolve(const double *kernel, const double *p, double *out)
{
	double top = 0;

	for (int i = 0; i < BAYES_NB; i++)
		top = p[i] > top ? p[i] : top;
	memset(out, 0, NCONV * sizeof(*out));
	for (int i = 0; i < BAYES_NB; i++)
		if (p[i] > top * 1e-13)
			axpy(out + i, p[i], kernel, NK);
}

/* Where a window's NCONV values are more than 1e-13 of the largest. */
static void mass_of(const double *src, int *lo, int *hi)
{
	double t = 0;
	int m;

	for (m = 0; m < NCONV; m++)
		t = src[m] > t ? src[m] : t;
	*lo = NCONV;
	*hi = 0;
	for (m = 0; m < NCONV; m++)
		if (src[m] > t * 1e-13) {
			if (m < *lo)
				*lo = m;
			*hi = m + 1;
		}
}

int sim_bayes_new(struct sim_bayes **out, uint32_t visitors)
{
	struct sim_bayes *b = pp_calloc(1, sizeof(*b));
	int i;

	*out = NULL;
	if (!b)
		return PP_ENOMEM;
	b->visitors = visitors;
	b->remaining = pp_calloc(visitors ? visitors : 1, 1);
	b->base = pp_calloc(visitors ? visitors : 1, sizeof(*b->base));
	if (!b->remaining || !b->base) {
		sim_bayes_free(b);
		return PP_ENOMEM;
	}
	tables_fill(&b->tables[0], false);
	tables_fill(&b->tables[1], true);
	for (i = 0; i < BAYES_NB; i++) {
		double z = (B0 + i * H - INTENT_MU) / INTENT_SIGMA;
		b->prior_b[i] = exp(-0.5 * z * z);
		b->comeback[i] = sim_return_chance(exp(B0 + i * H));
	}
	{
		double sum = 0;
		for (i = 0; i < NK; i++) {
			double z = (i - KR) * H / SESSION_SIGMA;
			sum += b->kernel[i] = exp(-0.5 * z * z);
		}
		for (i = 0; i < NK; i++)
			b->kernel[i] /= sum;
	}
	convolve(b->kernel, b->prior_b, b->conv_prior);
	mass_of(b->conv_prior, &b->conv_lo, &b->conv_hi);
	*out = b;
	return 0;
}

void sim_bayes_free(struct sim_bayes *b)
{
	uint32_t v;

	if (!b)
		return;
	for (v = 0; b->base && v < b->visitors; v++)
		pp_free(b->base[v]);
	pp_free(b->base);
	pp_free(b->remaining);
	pp_free(b);
}

void sim_bayes_prefetch(const struct sim_bayes *b, uint32_t soon, uint32_t sooner)
{
	/* the pointer of a visitor coming soon; the posterior of one coming sooner, whose
	 * pointer was fetched at its turn as "soon" */
	if (soon < b->visitors) {
		__builtin_prefetch(&b->base[soon]);
		__builtin_prefetch(&b->remaining[soon]);
	}
	if (sooner < b->visitors && b->base[sooner])
		for (size_t i = 0; i < BAYES_NB * sizeof(float); i += 64)
			__builtin_prefetch((const char *)b->base[sooner] + i);
}

void sim_bayes_plan(struct sim_bayes *b, uint32_t visitor)
{
	if (visitor < b->visitors && b->remaining[visitor] < UINT8_MAX)
		b->remaining[visitor]++;
}

void sim_bayes_begin(struct sim_bayes *b, struct bayes_session *s, uint32_t visitor,
		     uint32_t ordinal, double log_factor, bool drifted)
{
	double conv[NCONV], pb[BAYES_NB];
	const double *src = b->conv_prior;
	int off = (int)lround(log_factor / H), i, w0, lo = b->conv_lo, hi = b->conv_hi;

	if (off < OFF_MIN)
		off = OFF_MIN;
	if (off > OFF_MAX)
		off = OFF_MAX;
	s->t = &b->tables[drifted];
	s->off = off;
	s->base = visitor < b->visitors ? b->base[visitor] : NULL;
	if (s->base) {
		/* It came back (ordinal > 0): as likely as its base makes it. */
		for (i = 0; i < BAYES_NB; i++) {
			if (ordinal)
				s->base[i] = (float)(s->base[i] * b->comeback[i]);
			pb[i] = s->base[i];
		}
		convolve(b->kernel, pb, conv);
		src = conv;
		mass_of(conv, &lo, &hi);
	}
	/* Only the window the prior was shifted to is ever read: prior and like there (steps and
	 * scores between lo and hi, sim_bayes_end over the whole window). A first session's is
	 * the population's, worked out once. */
	w0 = B_TO_X + off - KR;
	memcpy(s->prior + w0, src, NCONV * sizeof(*src));
	for (i = 0; i < NCONV; i++)
		s->like[w0 + i] = 1;
	s->lo = w0 + lo;
	s->hi = w0 + hi;
	if (lo >= hi) { /* no mass at all */
		s->lo = BAYES_NX;
		s->hi = 0;
	}
}

void sim_bayes_step(struct bayes_session *s, enum bayes_step step, bool cart_empty)
{
	const double *f = step == BAYES_BUY ? s->t->buy
			  : step == BAYES_ADD ? (cart_empty ? s->t->add0 : s->t->add1)
					      : (cart_empty ? s->t->view0 : s->t->view1);
	double top = 0;
	int j;

	for (j = s->lo; j < s->hi; j++) {
		s->like[j] *= f[j];
		if (s->like[j] > top)
			top = s->like[j];
	}
	if (top > 0 && top < 1e-100)
		for (j = s->lo; j < s->hi; j++)
			s->like[j] /= top;
}

double sim_bayes_score(const struct bayes_session *s, uint32_t cart)
{
	const double *q = s->t->q[cart < SIM_CART_STATES ? cart : SIM_CART_STATES - 1];
	v2d num2 = { 0, 0 }, den2 = { 0, 0 };
	double num, den;
	int j = s->lo;

	/* two running sums, even and odd places, added at the end */
	for (; j + 2 <= s->hi; j += 2) {
		v2d p, l, qq, w;
		memcpy(&p, s->prior + j, sizeof(p));
		memcpy(&l, s->like + j, sizeof(l));
		memcpy(&qq, q + j, sizeof(qq));
		w = p * l;
		num2 += w * qq;
		den2 += w;
	}
	num = num2[0] + num2[1];
	den = den2[0] + den2[1];
	for (; j < s->hi; j++) {
		double w = s->prior[j] * s->like[j];
		num += w * q[j];
		den += w;
	}
	return den > 0 ? num / den : 0;
}

int sim_bayes_end(struct sim_bayes *b, struct bayes_session *s, uint32_t visitor)
{
	float *p;
	double top = 0;
	int i, k;

	if (visitor >= b->visitors)
		return 0;
	if (b->remaining[visitor])
		b->remaining[visitor]--;
	p = b->base[visitor];
	if (!b->remaining[visitor]) {
		pp_free(p);
		b->base[visitor] = NULL;
		return 0;
	}
	if (!p) {
		if (!(p = pp_malloc(BAYES_NB * sizeof(*p))))
			return PP_ENOMEM;
		for (i = 0; i < BAYES_NB; i++)
			p[i] = (float)b->prior_b[i];
		b->base[visitor] = p;
	}
	/* P(this session | base) = sum over the noise of P(its steps | u), where the base's
	 * posterior has mass (over 1e-13 of its largest; the rest is zero from now on); k
	 * outside, i inside, so that the inner loop is a vector loop */
	{
		double l[BAYES_NB] = { 0 }, pmax = 0;
		const double *like = s->like + B_TO_X + s->off - KR;
		int lo = BAYES_NB, hi = 0;
		for (i = 0; i < BAYES_NB; i++)
			pmax = p[i] > pmax ? p[i] : pmax;
		for (i = 0; i < BAYES_NB; i++)
			if (p[i] > pmax * 1e-13) {
				lo = i < lo ? i : lo;
				hi = i + 1;
			}
		for (k = 0; k < NK && lo < hi; k++)
			axpy(l + lo, b->kernel[k], like + k + lo, hi - lo);
		for (i = 0; i < BAYES_NB; i++) {
			double v = i >= lo && i < hi ? p[i] * l[i] : 0;
			p[i] = (float)v;
			if (v > top)
				top = v;
		}
	}
	for (i = 0; i < BAYES_NB && top > 0; i++)
		p[i] = (float)(p[i] / top);
	return 0;
}
