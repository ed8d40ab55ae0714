/*
 * etl.h - raw -> processed: the raw zone's new segments become the processed/events Delta
 * table (partitioned by event_date), validated, deduplicated and sessionized; what fails
 * validation goes to processed/quarantine; the rewritten dates' rows of
 * curated/fact_sessions, agg_item_stats, agg_daily_funnel and dim_date follow
 * (see docs/internals/etl.md).
 *
 * Incremental and idempotent: the segments already processed are listed in
 * _meta/etl/raw_events.done; a date touched by new events is rebuilt from its current
 * rows plus the new ones, with duplicates (same event_id, or the same line) dropped, so
 * running again, or again after a crash, gives the same rows.
 */
#ifndef PP_ETL_H
#define PP_ETL_H

#include "core/config.h"
#include "lake/lake_fs.h"

#define ETL_EVENTS_TABLE "processed/events"
#define ETL_QUARANTINE_TABLE "processed/quarantine"
#define ETL_DONE "_meta/etl/raw_events.done"

struct etl_stats {
	uint64_t segments, lines, events, duplicates, quarantined, partitions, rows_written;
	uint64_t catalog_segments;             /* new ones */
	int64_t visitors, items, item_pairs;   /* rows of the tables rebuilt whole */
	int64_t version; /* of processed/events after the run; -1 if it does not exist */
};

/* What a caller may do while the run goes on (any member may be NULL). */
struct etl_hooks {
	/* The per-date curated tables (fact_events, fact_sessions, agg_item_stats,
	 * agg_daily_funnel) and dim_date are committed; the history pass starts. */
	void (*dated_committed)(void *ctx);
	void *ctx;
};

int etl_raw_to_processed(struct lake_fs *fs, const struct config *cfg,
			 const struct etl_hooks *hooks, struct etl_stats *st);

#endif
