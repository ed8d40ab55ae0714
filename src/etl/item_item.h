/*
 * item_item.h - the curated/item_item Delta table: for each item, the K items most often
 * found in the same sessions, for recommendations (see docs/internals/etl.md).
 *
 * A pair counts the sessions holding both items (`sessions`), those where both were added
 * to the cart (`carted`) and those where both were bought (`bought`); items rank by
 * score = sessions + 2 carted + 4 bought, then by the other item's id. A session
 * contributes its first ITEM_ITEM_SESSION_ITEMS distinct items only, so a crawler that
 * touches thousands does not flood the table with pairs.
 *
 * Items are the caller's small integer ids (dim_item's positions); pairs are kept once,
 * smaller id first, in an open-addressing table.
 */
#ifndef PP_ITEM_ITEM_H
#define PP_ITEM_ITEM_H

#include "core/buf.h"
#include "event/event.h"
#include "lake/parquet/parquet.h"

#define ITEM_ITEM_TABLE "curated/item_item"
#define ITEM_ITEM_NCOLS 7
#define ITEM_ITEM_SESSION_ITEMS 50

extern const struct pq_column_def item_item_cols[ITEM_ITEM_NCOLS];

struct item_pair {
	uint64_t key; /* smaller item << 32 | larger item; 0: empty (ids start at 1 inside) */
	uint32_t sessions, carted, bought;
};

struct item_pairs {
	struct item_pair *slots;
	size_t cap, count;
	/* the open session */
	uint32_t items[ITEM_ITEM_SESSION_ITEMS];
	uint8_t flags[ITEM_ITEM_SESSION_ITEMS]; /* 1 carted, 2 bought */
	size_t nitems;
};

void item_pairs_init(struct item_pairs *p);
/* The item's event in the open session. */
void item_pairs_touch(struct item_pairs *p, uint32_t item, enum event_type type);
/* Closes the open session, counting its pairs. */
int item_pairs_end_session(struct item_pairs *p);
/*
 * The top k of every item as one Parquet file: ids[i] names item i, order lists the
 * items in the order rows are written (by item_id).
 */
int item_pairs_encode(const struct item_pairs *p, const char *const *ids, const size_t *order,
		      size_t nitems, int k, struct buf *out, int64_t *rows);
void item_pairs_release(struct item_pairs *p);

#endif
