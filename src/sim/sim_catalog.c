/*
 * sim_catalog.c - the simulated shop's catalogue: a category tree, items with Zipf-like
 * popularity, prices and brands, and the sampling tables the session model draws from.
 */
#include "sim/sim_internal.h"
#include "core/err.h"
#include "core/mem.h"

#include <math.h>

#define ZIPF_EXPONENT 0.9

/* A bijection on [0, 2^k) spreads ids out so they look like a real shop's. */
static uint64_t scatter(uint64_t i, uint64_t mult, uint64_t mod)
{
	return (i * mult + 1) & (mod - 1);
}

static uint64_t pow2_at_least(uint64_t n)
{
	uint64_t m = 1;

	while (m < n)
		m <<= 1;
	return m;
}

uint64_t sim_visitor_id(const struct sim *s, uint32_t visitor)
{
	return scatter(visitor, s->visitor_id_mult, s->visitor_id_mod);
}

static int build_categories(struct sim *s, struct rng *r)
{
	uint32_t n = s->ncats, roots = n / 60 < 5 ? 5 : n / 60, i;
	uint64_t mod = pow2_at_least((uint64_t)n * 2);

	s->cats = pp_calloc(n, sizeof(*s->cats));
	if (!s->cats)
		return PP_ENOMEM;
	for (i = 0; i < n; i++) {
		struct sim_category *c = &s->cats[i];
		c->id = scatter(i, 0x9e3779b1u | 1, mod);
		/* Parents come earlier, favouring the top of the tree: depth stays 2-5. */
		c->parent = i < roots ? -1 : (int32_t)rng_below(r, i < roots * 8 ? roots : i / 2 + 1);
		c->conversion = (float)rng_lognormal(r, 0.0, 0.5);
	}
	return 0;
}

int sim_catalog_build(struct sim *s)
{
	struct rng r;
	double *w = NULL, *cw = NULL;
	uint32_t *count = NULL, i, k;
	int rc = PP_ENOMEM;

	rng_fork(&r, s->p.seed, 0xca7a109, 0);
	s->nitems = (uint32_t)(s->p.items ? s->p.items : s->p.visitors / 6);
	if (s->nitems < 50)
		s->nitems = 50;
	s->ncats = s->nitems / 140 < 20 ? 20 : s->nitems / 140;
	if ((rc = build_categories(s, &r)))
		return rc;
	rc = PP_ENOMEM;
	s->items = pp_calloc(s->nitems, sizeof(*s->items));
	w = pp_malloc(sizeof(double) * s->nitems);
	cw = pp_calloc(s->ncats, sizeof(double));
	count = pp_calloc(s->ncats, sizeof(uint32_t));
	s->cat_members = pp_calloc(s->ncats, sizeof(uint32_t *));
	s->cat_items = pp_calloc(s->ncats, sizeof(struct alias_table));
	if (!s->items || !w || !cw || !count || !s->cat_members || !s->cat_items)
		goto out;
	uint64_t mod = pow2_at_least((uint64_t)s->nitems * 4);
	double *base_price = pp_malloc(sizeof(double) * s->ncats);
	if (!base_price)
		goto out;
	for (k = 0; k < s->ncats; k++)
		base_price[k] = rng_lognormal(&r, log(30.0), 0.9);
	/* Leaves get items; a category with children keeps a few of its own. */
	for (i = 0; i < s->nitems; i++) {
		struct sim_item *it = &s->items[i];
		uint32_t c = (uint32_t)rng_below(&r, s->ncats);
		double price = base_price[c] * rng_lognormal(&r, 0.0, 0.35);
		if (price < 0.5)
			price = 0.5;
		if (price > 20000)
			price = 20000;
		it->id = scatter(i, 0x2545f491u | 1, mod);
		it->category = c;
		it->price_cents = (uint32_t)llround(price * 100);
		it->brand = (uint32_t)rng_below(&r, 400);
		it->available = rng_chance(&r, 0.9);
		w[i] = 1.0 / pow((double)i + 1.0, ZIPF_EXPONENT);
		cw[c] += w[i];
		count[c]++;
	}
	pp_free(base_price);
	for (k = 0; k < s->ncats; k++) {
		if (!count[k]) {
			cw[k] = 0;
			continue;
		}
		s->cat_members[k] = pp_malloc(sizeof(uint32_t) * count[k]);
		if (!s->cat_members[k])
			goto out;
		count[k] = 0;
	}
	for (i = 0; i < s->nitems; i++) {
		k = s->items[i].category;
		s->cat_members[k][count[k]++] = i;
	}
	for (k = 0; k < s->ncats; k++) {
		double *mw;
		if (!count[k])
			continue;
		mw = pp_malloc(sizeof(double) * count[k]);
		if (!mw)
			goto out;
		for (i = 0; i < count[k]; i++)
			mw[i] = w[s->cat_members[k][i]];
		rc = alias_build(&s->cat_items[k], mw, count[k]);
		pp_free(mw);
		if (rc)
			goto out;
	}
	/*
	 * Conversion factors average 1 over traffic, so the shop-wide mix does not depend on
	 * which categories happened to draw a high factor.
	 */
	{
		double num = 0, den = 0;
		for (k = 0; k < s->ncats; k++) {
			num += cw[k] * s->cats[k].conversion;
			den += cw[k];
		}
		for (k = 0; k < s->ncats && num > 0; k++)
			s->cats[k].conversion = (float)(s->cats[k].conversion * den / num);
	}
	if ((rc = alias_build(&s->item_pop, w, s->nitems)) ||
	    (rc = alias_build(&s->cat_pop, cw, s->ncats)))
		goto out;
	/* After a drift the category mix changes: the popularity of categories is rotated. */
	for (k = 0; k < s->ncats; k++)
		w[k] = cw[(k + s->ncats / 3) % s->ncats];
	rc = alias_build(&s->cat_pop_drift, w, s->ncats);
out:
	pp_free(w);
	pp_free(cw);
	pp_free(count);
	return rc;
}

void sim_catalog_release(struct sim *s)
{
	uint32_t k;

	for (k = 0; s->cat_items && k < s->ncats; k++)
		alias_release(&s->cat_items[k]);
	for (k = 0; s->cat_members && k < s->ncats; k++)
		pp_free(s->cat_members[k]);
	pp_free(s->cat_items);
	pp_free(s->cat_members);
	alias_release(&s->item_pop);
	alias_release(&s->cat_pop);
	alias_release(&s->cat_pop_drift);
	pp_free(s->items);
	pp_free(s->cats);
	s->items = NULL;
	s->cats = NULL;
	s->cat_items = NULL;
	s->cat_members = NULL;
}
