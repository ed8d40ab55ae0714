/* Items to show a shopper (recommender.h). */
#include "recommend/recommender.h"
#include "core/buf.h"
#include "core/err.h"
#include "core/mem.h"
#include "core/strmap.h"

#include <math.h>

#define MAX_NEIGHBORS 40   /* kept per item, the strongest */
#define MAX_POPULAR 500    /* of the shop */
#define MAX_CAT_POPULAR 50 /* per category */
#define MAX_CANDIDATES 2048

struct pair_in {
	uint32_t a, b, sessions, carted, bought;
};

struct neighbor {
	uint32_t item;
	float score;
	uint8_t why; /* enum rec_reason */
};

struct recommender {
	struct strmap items, cats;
	const char **names, **cat_names;
	uint32_t *cat; /* per item; UINT32_MAX: unknown */
	uint64_t *views, *carts, *purchases;
	size_t nitems, capitems, ncats, capcats;
	struct pair_in *in;
	size_t nin, capin;
	/* finished */
	uint32_t *first; /* per item, its neighbors nb[first[i] .. first[i+1]) */
	struct neighbor *nb;
	size_t nnb;
	double *conv, max_conv;
	uint32_t *popular;
	size_t npopular;
	uint32_t *cat_first, *cat_popular; /* per category, its popular items */
	bool finished;
};

int recommender_new(struct recommender **out)
{
	struct recommender *r = pp_calloc(1, sizeof(*r));

	*out = r;
	if (!r)
		return PP_ENOMEM;
	strmap_init(&r->items);
	strmap_init(&r->cats);
	return 0;
}

void recommender_free(struct recommender *r)
{
	if (!r)
		return;
	strmap_release(&r->items);
	strmap_release(&r->cats);
	pp_free(r->names);
	pp_free(r->cat_names);
	pp_free(r->cat);
	pp_free(r->views);
	pp_free(r->carts);
	pp_free(r->purchases);
	pp_free(r->in);
	pp_free(r->first);
	pp_free(r->nb);
	pp_free(r->conv);
	pp_free(r->popular);
	pp_free(r->cat_first);
	pp_free(r->cat_popular);
	pp_free(r);
}

uint32_t recommender_item(struct recommender *r, struct span item)
{
	struct strmap_slot *slot;
	bool ins;

	if (!(slot = strmap_put(&r->items, item.p, item.len, &ins)))
		return UINT32_MAX;
	if (!ins)
		return (uint32_t)slot->value;
	if (r->nitems == r->capitems) {
		size_t cap = r->capitems ? 2 * r->capitems : 1024;
		const char **names = pp_realloc(r->names, cap * sizeof(*names));
		uint32_t *cat = names ? pp_realloc(r->cat, cap * sizeof(*cat)) : NULL;
		uint64_t *v = cat ? pp_realloc(r->views, cap * sizeof(*v)) : NULL;
		uint64_t *c = v ? pp_realloc(r->carts, cap * sizeof(*c)) : NULL;
		uint64_t *p = c ? pp_realloc(r->purchases, cap * sizeof(*p)) : NULL;
		if (names)
			r->names = names;
		if (cat)
			r->cat = cat;
		if (v)
			r->views = v;
		if (c)
			r->carts = c;
		if (!p)
			return UINT32_MAX; /* the key stays: harmless, its number is never handed out */
		r->purchases = p;
		r->capitems = cap;
	}
	slot->value = r->nitems;
	r->names[r->nitems] = slot->key;
	r->cat[r->nitems] = UINT32_MAX;
	r->views[r->nitems] = r->carts[r->nitems] = r->purchases[r->nitems] = 0;
	return (uint32_t)r->nitems++;
}

int recommender_set_category(struct recommender *r, uint32_t item, struct span category)
{
	struct strmap_slot *slot;
	bool ins;

	if (item >= r->nitems || !category.len)
		return 0;
	if (!(slot = strmap_put(&r->cats, category.p, category.len, &ins)))
		return PP_ENOMEM;
	if (ins) {
		if (pp_array_grow(&r->cat_names, r->ncats, &r->capcats, sizeof(*r->cat_names), 256))
			return PP_ENOMEM;
		slot->value = r->ncats;
		r->cat_names[r->ncats++] = slot->key;
	}
	r->cat[item] = (uint32_t)slot->value;
	return 0;
}

void recommender_add_stats(struct recommender *r, uint32_t item, uint64_t views, uint64_t carts, uint64_t purchases)
{
	if (item >= r->nitems)
		return;
	r->views[item] += views;
	r->carts[item] += carts;
	r->purchases[item] += purchases;
}

int recommender_add_pair(struct recommender *r, uint32_t a, uint32_t b, uint32_t sessions, uint32_t carted,
			 uint32_t bought)
{
	if (a >= r->nitems || b >= r->nitems || a == b)
		return 0;
	if (pp_array_grow(&r->in, r->nin, &r->capin, sizeof(*r->in), 4096))
		return PP_ENOMEM;
	r->in[r->nin++] = (struct pair_in){ a, b, sessions, carted, bought };
	return 0;
}

static const struct recommender *sorting; /* for the comparators below (finish is single-threaded) */

static int by_item_then_score(const void *x, const void *y)
{
	const struct pair_in *a = x, *b = y;
	double sa = a->sessions + 2.0 * a->carted + 4.0 * a->bought, sb = b->sessions + 2.0 * b->carted + 4.0 * b->bought;

	if (a->a != b->a)
		return a->a < b->a ? -1 : 1;
	if (sa != sb)
		return sa > sb ? -1 : 1;
	return a->b < b->b ? -1 : a->b > b->b;
}

static double popularity(const struct recommender *r, uint32_t i)
{
	return 2.0 * (double)r->purchases[i] + (double)r->carts[i] + (double)r->views[i] / 20.0;
}

static int by_popularity(const void *x, const void *y)
{
	uint32_t a = *(const uint32_t *)x, b = *(const uint32_t *)y;
	double pa = popularity(sorting, a), pb = popularity(sorting, b);

	if (pa != pb)
		return pa > pb ? -1 : 1;
	return a < b ? -1 : a > b;
}

int recommender_finish(struct recommender *r)
{
	uint32_t *order = NULL, *count = NULL;
	int rc = PP_ENOMEM;

	if (!(r->first = pp_calloc(r->nitems + 1, sizeof(*r->first))) ||
	    !(r->nb = pp_malloc((r->nin + 1) * sizeof(*r->nb))) || !(r->conv = pp_calloc(r->nitems + 1, sizeof(double))) ||
	    !(order = pp_malloc((r->nitems + 1) * sizeof(*order))) ||
	    !(count = pp_calloc(r->ncats + 1, sizeof(*count))) ||
	    !(r->cat_first = pp_calloc(r->ncats + 1, sizeof(*r->cat_first))))
		goto out;
	sorting = r;
	/* each item's strongest neighbors */
	if (r->nin > 1)
		qsort(r->in, r->nin, sizeof(*r->in), by_item_then_score);
	for (size_t i = 0, kept = 0; i < r->nin; i++) {
		const struct pair_in *p = &r->in[i];
		kept = i && r->in[i - 1].a == p->a ? kept + 1 : 0;
		if (kept >= MAX_NEIGHBORS)
			continue;
		r->nb[r->nnb++] = (struct neighbor){ p->b, (float)(p->sessions + 2.0 * p->carted + 4.0 * p->bought),
						     (uint8_t)(p->bought ? REC_BOUGHT_WITH
								 : p->carted ? REC_CARTED_WITH : REC_VIEWED_WITH) };
		r->first[p->a + 1]++;
	}
	for (size_t i = 0; i < r->nitems; i++)
		r->first[i + 1] += r->first[i];
	pp_free(r->in);
	r->in = NULL;
	r->nin = r->capin = 0;
	/* how well each converts (smoothed), and the popular ones, of the shop and per category */
	for (size_t i = 0; i < r->nitems; i++) {
		r->conv[i] = ((double)r->purchases[i] + 0.5 * (double)r->carts[i]) / ((double)r->views[i] + 20.0);
		if (r->conv[i] > r->max_conv)
			r->max_conv = r->conv[i];
		order[i] = (uint32_t)i;
	}
	qsort(order, r->nitems, sizeof(*order), by_popularity);
	r->npopular = r->nitems < MAX_POPULAR ? r->nitems : MAX_POPULAR;
	if (!(r->popular = pp_malloc((r->npopular + 1) * sizeof(*r->popular))) ||
	    !(r->cat_popular = pp_malloc((r->ncats * MAX_CAT_POPULAR + 1) * sizeof(*r->cat_popular))))
		goto out;
	memcpy(r->popular, order, r->npopular * sizeof(*order));
	for (size_t i = 0; i < r->nitems; i++) { /* in popularity order: each category's first ones */
		uint32_t c = r->cat[order[i]];
		if (c != UINT32_MAX && count[c] < MAX_CAT_POPULAR)
			r->cat_popular[(size_t)c * MAX_CAT_POPULAR + count[c]++] = order[i];
	}
	for (size_t c = 0; c < r->ncats; c++)
		r->cat_first[c] = count[c]; /* how many each has */
	r->finished = true;
	rc = 0;
out:
	pp_free(order);
	pp_free(count);
	return rc;
}

size_t recommender_items(const struct recommender *r)
{
	return r->nitems;
}

size_t recommender_pairs(const struct recommender *r)
{
	return r->nnb;
}

const char *recommender_name(const struct recommender *r, uint32_t item)
{
	return item < r->nitems ? r->names[item] : "";
}

const char *recommender_category(const struct recommender *r, uint32_t item)
{
	return item < r->nitems && r->cat[item] != UINT32_MAX ? r->cat_names[r->cat[item]] : "";
}

const char *rec_reason_name(enum rec_reason why)
{
	static const char *const names[] = { "viewed_together", "carted_together", "bought_together",
					     "popular_in_category", "popular" };
	return names[why];
}

static bool listed(const uint32_t *v, size_t n, uint32_t x)
{
	for (size_t i = 0; i < n; i++)
		if (v[i] == x)
			return true;
	return false;
}

static int by_score(const void *x, const void *y)
{
	const struct rec_item *a = x, *b = y;

	if (a->score != b->score)
		return a->score > b->score ? -1 : 1;
	return a->item < b->item ? -1 : a->item > b->item;
}

int recommend(const struct recommender *r, const struct rec_seed *seeds, size_t nseeds, const struct span *exclude,
	      size_t nexclude, size_t k, struct rec_item *out, size_t *n)
{
	struct rec_item *cand = NULL;
	double *best = NULL;
	uint32_t *skip = NULL, seed_item[64];
	size_t ncand = 0, nskip = 0, nseed = 0;
	int rc = PP_ENOMEM;

	*n = 0;
	if (!r->finished)
		return pp_error(PP_EINVAL, "the recommender is not finished");
	if (!(cand = pp_malloc(MAX_CANDIDATES * sizeof(*cand))) || !(best = pp_malloc(MAX_CANDIDATES * sizeof(*best))) ||
	    !(skip = pp_malloc((nseeds + nexclude + 1) * sizeof(*skip))))
		goto out;
	for (size_t i = 0; i < nseeds; i++) {
		const struct strmap_slot *s = strmap_get(&r->items, seeds[i].item.p, seeds[i].item.len);
		uint32_t it = s ? (uint32_t)s->value : UINT32_MAX;
		if (nseed < ARRAY_SIZE(seed_item))
			seed_item[nseed++] = it;
		if (it != UINT32_MAX)
			skip[nskip++] = it;
	}
	for (size_t i = 0; i < nexclude; i++) {
		const struct strmap_slot *s = strmap_get(&r->items, exclude[i].p, exclude[i].len);
		if (s)
			skip[nskip++] = (uint32_t)s->value;
	}
	/* the seeds' neighbors, each seed weighted by what was done with it and how recently */
	for (size_t i = 0; i < nseed; i++) {
		uint32_t it = seed_item[i];
		enum event_type t = seeds[i].type;
		double w = (t == EV_ADDTOCART ? 3.0 : t == EV_TRANSACTION ? 2.0 : t == EV_REMOVEFROMCART ? 0.5 : 1.0) *
			   pow(0.8, (double)i);
		if (it == UINT32_MAX)
			continue;
		for (uint32_t j = r->first[it]; j < r->first[it + 1]; j++) {
			const struct neighbor *nb = &r->nb[j];
			double c = w * log1p(nb->score);
			size_t x = 0;
			if (listed(skip, nskip, nb->item))
				continue;
			while (x < ncand && cand[x].item != nb->item)
				x++;
			if (x == ncand) {
				if (ncand == MAX_CANDIDATES)
					continue;
				cand[ncand++] = (struct rec_item){ nb->item, 0, (enum rec_reason)nb->why, it };
				best[x] = 0;
			}
			cand[x].score += c;
			if (c > best[x]) {
				best[x] = c;
				cand[x].reason = (enum rec_reason)nb->why;
				cand[x].because = it;
			}
		}
	}
	for (size_t x = 0; x < ncand; x++) /* nudged by how well each converts: up to twice */
		cand[x].score *= 1.0 + (r->max_conv > 0 ? r->conv[cand[x].item] / r->max_conv : 0);
	qsort(cand, ncand, sizeof(*cand), by_score);
	for (size_t x = 0; x < ncand && *n < k; x++)
		out[(*n)++] = cand[x];
	/* too few: popular in the latest seed's category, then in the shop */
	uint32_t c = nseed && seed_item[0] != UINT32_MAX ? r->cat[seed_item[0]] : UINT32_MAX;
	for (int pass = 0; pass < 2 && *n < k; pass++) {
		const uint32_t *list = pass ? r->popular : c != UINT32_MAX ? r->cat_popular + (size_t)c * MAX_CAT_POPULAR : NULL;
		size_t len = pass ? r->npopular : c != UINT32_MAX ? r->cat_first[c] : 0;
		for (size_t i = 0; list && i < len && *n < k; i++) {
			bool taken = listed(skip, nskip, list[i]);
			for (size_t j = 0; j < *n && !taken; j++)
				taken = out[j].item == list[i];
			if (!taken)
				out[(*n)++] = (struct rec_item){ list[i], 0, pass ? REC_POPULAR : REC_POPULAR_IN_CATEGORY,
								 pass ? UINT32_MAX : seed_item[0] };
		}
	}
	rc = 0;
out:
	pp_free(cand);
	pp_free(best);
	pp_free(skip);
	return rc;
}

int recommend_json(const struct recommender *r, const struct rec_item *out, size_t n, struct buf *b)
{
	int rc = buf_putc(b, '[');

	for (size_t i = 0; i < n && !rc; i++) {
		const char *item = recommender_name(r, out[i].item), *because;
		rc |= buf_puts(b, i ? ",{\"item_id\":" : "{\"item_id\":");
		rc |= buf_put_json_str(b, item, strlen(item));
		rc |= buf_printf(b, ",\"category_id\":");
		because = recommender_category(r, out[i].item);
		rc |= *because ? buf_put_json_str(b, because, strlen(because)) : buf_puts(b, "null");
		rc |= buf_printf(b, ",\"score\":%.6g,\"reason\":\"%s\",\"because\":", out[i].score,
				 rec_reason_name(out[i].reason));
		because = out[i].reason == REC_POPULAR ? ""
			  : out[i].reason == REC_POPULAR_IN_CATEGORY ? recommender_category(r, out[i].because)
								    : recommender_name(r, out[i].because);
		rc |= *because ? buf_put_json_str(b, because, strlen(because)) : buf_puts(b, "null");
		rc |= buf_putc(b, '}');
	}
	return rc ? PP_ENOMEM : buf_putc(b, ']');
}
