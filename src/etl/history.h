/*
 * history.h - the ETL's history pass: the tables that summarise all of processed/events
 * rather than one date (curated/dim_visitor, dim_item, item_item) are rebuilt from the
 * table as committed, plus the catalogue in raw/catalog/, and each replaced whole in one
 * commit (see docs/internals/etl.md).
 *
 * One pass over the rows: the dates the ETL just rewrote from its memory, the others
 * from the table's files (seven columns). Rows are in visitor and time order, so
 * sessions are runs of one session_id and a visitor is looked up once per run.
 */
#ifndef PP_HISTORY_H
#define PP_HISTORY_H

#include "core/config.h"
#include "etl/item_catalog.h"
#include "event/event.h"
#include "lake/lake_fs.h"

struct history_stats {
	int64_t visitors, items, item_pairs; /* rows written */
	uint64_t catalog_bad; /* catalogue lines that did not parse */
};

/* A row as the pass consumes it. Spans must stay valid during the pass. */
struct history_row {
	int64_t ts;
	struct span visitor, item, category; /* category.len 0: none */
	enum event_type type;
	double price; /* NAN: none */
	bool new_visitor, new_session; /* the first row of a visitor's run, of a session */
};

/*
 * Dates whose rows the caller holds (the ones it just rewrote: deduplicated, in the
 * table's order, visitor and time): the pass takes them from here instead of decoding
 * their files again.
 */
struct history_memory {
	size_t ndays;
	const char *(*date)(void *ctx, size_t day);
	size_t (*count)(void *ctx, size_t day);
	/* false: row i is not in the table (a dropped duplicate) */
	bool (*row)(void *ctx, size_t day, size_t i, struct history_row *out);
	void *ctx;
};

/* events_table may not exist yet (the dimensions then hold the catalogue alone); mem
 * may be NULL. */
int history_commit(struct lake_fs *fs, const struct config *cfg, const char *events_table,
		   const struct history_memory *mem, item_catalog_bad_fn bad, void *ctx,
		   struct history_stats *st);

#endif
