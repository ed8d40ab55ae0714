/*
 * dim_item.h - the curated/dim_item Delta table: one row per item that events or the
 * catalogue know, with its category (the catalogue's latest `categoryid`, else the latest
 * one its events carried), the category's path from the root of the tree, availability,
 * the latest other properties (JSON), and its activity over the whole of
 * processed/events. Rebuilt by the ETL's history pass (history.h).
 */
#ifndef PP_DIM_ITEM_H
#define PP_DIM_ITEM_H

#include "core/buf.h"
#include "core/rowmap.h"
#include "etl/item_catalog.h"
#include "event/event.h"
#include "lake/parquet/parquet.h"

#define DIM_ITEM_TABLE "curated/dim_item"
#define DIM_ITEM_NCOLS 16
#define DIM_ITEM_PROPS_LIMIT 4096 /* bytes of the properties column per item */

extern const struct pq_column_def dim_item_cols[DIM_ITEM_NCOLS];

struct item_row {
	const char *id;       /* the map's copy */
	const char *category; /* the latest one events carried, in the caller's memory */
	size_t category_len;
	int64_t category_ts;
	int64_t first_seen, last_seen; /* INT64_MAX / INT64_MIN: no events */
	uint64_t counts[EV__COUNT];
	double revenue, last_price;
	int64_t last_price_ts;
};

struct dim_item {
	struct rowmap m; /* of struct item_row, by item_id */
};

static inline struct item_row *dim_item_rows(const struct dim_item *d)
{
	return d->m.rows;
}

void dim_item_init(struct dim_item *d);
/* The item's row, created on first sight; NULL when out of memory. Its position in
 * dim_item_rows() is stable. */
struct item_row *dim_item_row(struct dim_item *d, const char *id, size_t len);
/* category (NUL-terminated, category.len its length) must stay valid until
 * dim_item_encode; category.p NULL: none. */
void dim_item_event(struct item_row *r, int64_t ts, enum event_type type,
		    double price /* NAN: none */, struct span category);
/* Rows for the catalogue's items that no event touched. */
int dim_item_add_catalog(struct dim_item *d, const struct item_catalog *c);
/* The positions of the rows in item_id order (pp_free it). */
size_t *dim_item_order(const struct dim_item *d);
int dim_item_encode(const struct dim_item *d, const size_t *order, const struct item_catalog *c,
		    struct buf *out, int64_t *rows);
void dim_item_release(struct dim_item *d);

#endif
