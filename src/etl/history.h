/*
 * history.h - the ETL's history pass: the tables that summarise all of processed/events
 * rather than one date (curated/dim_visitor, dim_item, item_item) are rebuilt from the
 * table as committed, plus the catalogue in raw/catalog/, and each replaced whole in one
 * commit (see docs/internals/etl.md).
 *
 * One pass over the table's files reads seven columns; a file's rows are in visitor and
 * time order, so sessions are runs of one session_id and a visitor is looked up once per
 * run of its rows.
 */
#ifndef PP_HISTORY_H
#define PP_HISTORY_H

#include "core/config.h"
#include "etl/item_catalog.h"
#include "lake/lake_fs.h"

struct history_stats {
	int64_t visitors, items, item_pairs; /* rows written */
	uint64_t catalog_bad; /* catalogue lines that did not parse */
};

/* events_table may not exist yet (the dimensions then hold the catalogue alone). */
int history_commit(struct lake_fs *fs, const struct config *cfg, const char *events_table,
		   item_catalog_bad_fn bad, void *ctx, struct history_stats *st);

#endif
