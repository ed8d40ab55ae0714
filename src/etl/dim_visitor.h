/*
 * dim_visitor.h - the curated/dim_visitor Delta table: one row per visitor over the whole
 * of processed/events (first and last seen, active days, sessions, events by type,
 * revenue, first and last purchase). Rebuilt by the ETL's history pass (history.h).
 */
#ifndef PP_DIM_VISITOR_H
#define PP_DIM_VISITOR_H

#include "core/buf.h"
#include "core/rowmap.h"
#include "event/event.h"
#include "lake/parquet/parquet.h"

#define DIM_VISITOR_TABLE "curated/dim_visitor"
#define DIM_VISITOR_NCOLS 13

extern const struct pq_column_def dim_visitor_cols[DIM_VISITOR_NCOLS];

struct visitor_row {
	const char *id; /* the map's copy */
	int64_t first_seen, last_seen, first_purchase, last_purchase; /* purchases: 0 if none */
	int64_t last_day;
	uint64_t active_days, sessions, events, counts[EV__COUNT];
	double revenue;
};

struct dim_visitor {
	struct rowmap m; /* of struct visitor_row, by visitor_id */
};

void dim_visitor_init(struct dim_visitor *d);
/* The visitor's row, created on first sight; NULL when out of memory. */
struct visitor_row *dim_visitor_row(struct dim_visitor *d, const char *id, size_t len);
/* Counts one event of the visitor; new_session marks the first of a session. */
void dim_visitor_event(struct visitor_row *r, int64_t ts, enum event_type type,
		       double price /* NAN: none */, bool new_session);
/* All rows, by visitor_id, as one Parquet file. */
int dim_visitor_encode(struct dim_visitor *d, struct buf *out, int64_t *rows);
void dim_visitor_release(struct dim_visitor *d);

#endif
