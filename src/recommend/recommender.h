/*
 * recommender.h - items to show a shopper: those found in the same sessions as the items of
 * the shopper's session (co-viewed, co-carted, bought together: the ETL's item_item), each
 * weighted by how strongly the shopper touched the item it comes from and nudged by how
 * well it converts; what the shopper bought already left out; popular items of the
 * session's category, then of the shop, when that finds too few (a cold start). Each item
 * comes with its reason.
 *
 * Built once (from the lake's curated tables for serving, or from a training window's
 * events for an honest offline evaluation), then read-only: any number of threads may ask.
 */
#ifndef PP_RECOMMENDER_H
#define PP_RECOMMENDER_H

#include "core/common.h"
#include "event/event.h"

struct recommender;

/* ---- building ---- */

int recommender_new(struct recommender **out);
void recommender_free(struct recommender *r);
/* The item's number (added when new); UINT32_MAX when out of memory. */
uint32_t recommender_item(struct recommender *r, struct span item);
int recommender_set_category(struct recommender *r, uint32_t item, struct span category);
void recommender_add_stats(struct recommender *r, uint32_t item, uint64_t views, uint64_t carts, uint64_t purchases);
/* b in a's list: how many sessions held both, carted both, bought both. */
int recommender_add_pair(struct recommender *r, uint32_t a, uint32_t b, uint32_t sessions, uint32_t carted,
			 uint32_t bought);
/* Sorts and trims the lists, ranks the popular items; nothing is added after this. */
int recommender_finish(struct recommender *r);

size_t recommender_items(const struct recommender *r);
size_t recommender_pairs(const struct recommender *r);

/* ---- asking ---- */

/* An item of the shopper's session, most recent first, and what was done with it. */
struct rec_seed {
	struct span item;
	enum event_type type;
};

enum rec_reason { REC_VIEWED_WITH, REC_CARTED_WITH, REC_BOUGHT_WITH, REC_POPULAR_IN_CATEGORY, REC_POPULAR };

struct rec_item {
	uint32_t item;
	double score;
	enum rec_reason reason;
	uint32_t because; /* the seed item (the first three reasons) or the category's item */
};

/*
 * Up to k items for these seeds, leaving out the seeds and `exclude` (bought already);
 * popular ones of the latest seed's category, then of the shop, fill the rest. *n gets how
 * many (k at most: fewer only when the shop has fewer items).
 */
int recommend(const struct recommender *r, const struct rec_seed *seeds, size_t nseeds, const struct span *exclude,
	      size_t nexclude, size_t k, struct rec_item *out, size_t *n);

const char *recommender_name(const struct recommender *r, uint32_t item);
/* The item's category, or "" when unknown. */
const char *recommender_category(const struct recommender *r, uint32_t item);
const char *rec_reason_name(enum rec_reason why);

/* Appends {"item_id","score","reason","because"} for out[0..n) as a JSON array. */
struct buf;
int recommend_json(const struct recommender *r, const struct rec_item *out, size_t n, struct buf *b);

#endif
