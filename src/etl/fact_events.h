/*
 * fact_events.h - the curated/fact_events Delta table: the star schema's fact, one row
 * per kept event of processed/events with the keys of its dimensions (visitor, item,
 * date by partition, hour), its session and its position in it; written while the ETL
 * rewrites a date, beside the processed file (see docs/internals/etl.md).
 */
#ifndef PP_FACT_EVENTS_H
#define PP_FACT_EVENTS_H

#include "core/common.h"
#include "event/event.h"
#include "lake/parquet/parquet.h"

#define FACT_EVENTS_TABLE "curated/fact_events"
#define FACT_EVENTS_NCOLS 10

extern const struct pq_column_def fact_events_cols[FACT_EVENTS_NCOLS];

struct fact_event {
	int64_t ts;
	struct span session_id, visitor, item;
	const char *category_id, *transaction_id; /* NULL: none */
	enum event_type type;
	double price; /* NAN: none */
	int32_t seq;  /* 1 for a session's first event */
};

int fact_events_put(struct pq_writer *w, const struct fact_event *f);

#endif
