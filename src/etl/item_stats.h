/*
 * item_stats.h - the curated/agg_item_stats Delta table: per date and item, its views,
 * add-to-carts, removals, purchases, revenue, and the visitors and sessions that touched
 * it (see docs/internals/etl.md).
 *
 * One accumulator per date, on the writer thread that owns the date. Events come in
 * visitor and time order, which makes distinct visitors and sessions per item a
 * comparison with the last one seen, not a set.
 */
#ifndef PP_ITEM_STATS_H
#define PP_ITEM_STATS_H

#include "core/buf.h"
#include "core/rowmap.h"
#include "event/event.h"
#include "lake/parquet/parquet.h"

#define ITEM_STATS_TABLE "curated/agg_item_stats"
#define ITEM_STATS_NCOLS 8

extern const struct pq_column_def item_stats_cols[ITEM_STATS_NCOLS];

struct item_stat {
	const char *item; /* the map's copy */
	uint64_t counts[EV__COUNT];
	uint64_t visitors, sessions;
	double revenue;
	const char *last_visitor;
	uint64_t last_session;
};

struct item_stats {
	struct rowmap m;  /* of struct item_stat, by item_id */
	uint64_t session; /* sequence number of the current session */
};

void item_stats_init(struct item_stats *s);
/* visitor must stay valid while the date is counted (the ETL's arena holds it). */
int item_stats_add(struct item_stats *s, struct span item, const char *visitor, bool new_session,
		   enum event_type type, double price /* NAN: none */);
/* The date's rows, by item_id, as a Parquet file; *rows gets their number. */
int item_stats_encode(struct item_stats *s, struct buf *out, uint64_t *rows);
void item_stats_release(struct item_stats *s);

#endif
