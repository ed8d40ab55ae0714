/*
 * funnel.h - the curated/agg_daily_funnel Delta table: per date, views -> carts ->
 * purchases and the sessions that reached each step (see docs/internals/etl.md).
 *
 * The ETL counts a date while it rewrites it (funnel_count, one counter per date, on the
 * writer thread that owns the date), encodes it, and commits the dates as one partition
 * overwrite after processed/events has committed, so the table follows the events.
 */
#ifndef PP_FUNNEL_H
#define PP_FUNNEL_H

#include "event/event.h"
#include "lake/parquet/parquet.h"

#define FUNNEL_TABLE "curated/agg_daily_funnel"

struct funnel_day {
	char date[11];
	uint64_t views, carts, purchases;
	uint64_t visitors, sessions, cart_sessions, purchase_sessions;
	/* the session being counted */
	bool in_session, session_cart, session_purchase;
};

/* One event of the date, in visitor then time order; new_visitor/new_session mark the
 * first event of each. */
void funnel_count(struct funnel_day *f, enum event_type type, bool new_visitor, bool new_session);

/* Closes the last session; call once the date's events are all counted. */
void funnel_finish(struct funnel_day *f);

#define FUNNEL_NCOLS 10
extern const struct pq_column_def funnel_cols[FUNNEL_NCOLS];

/* The date's row as a Parquet file (curated_commit adds it to the table). */
int funnel_encode(const struct funnel_day *f, struct buf *out);

#endif
