/* ppredict etl: the raw zone's new events into the processed/events Delta table. */
#include "cmd/cmds.h"
#include "core/err.h"
#include "core/timeutil.h"
#include "etl/etl.h"

struct etl_opts {
	bool json, no_warehouse;
};

static const struct cli_opt etl_options[] = {
	{ "json", 0, OPT_FLAG, offsetof(struct etl_opts, json), NULL, NULL, "print the counts as JSON" },
	{ "no-warehouse", 0, OPT_FLAG, offsetof(struct etl_opts, no_warehouse), NULL, NULL,
	  "leave the warehouse as it is (load it later with `ppredict warehouse load`)" },
};

static int run_etl(struct cmd_ctx *ctx, void *vopts, int argc, char **argv)
{
	struct etl_opts *o = vopts;
	struct lake_fs *fs;
	struct etl_stats st;
	struct warehouse_load_stats ws = { 0 };
	const char *where = "";
	uint64_t t0 = time_mono_ns();
	int rc;

	(void)argc;
	(void)argv;
	if ((rc = lake_fs_open(&fs, ctx->cfg.lake_root)))
		return rc;
	rc = etl_raw_to_processed(fs, &ctx->cfg, &st);
	lake_fs_close(fs);
	if (rc)
		return rc;
	/* every run, changes or not: a load that failed before is retried */
	if (!o->no_warehouse && (rc = warehouse_load_lake(&ctx->cfg, false, &ws, &where)))
		return pp_error_wrap(rc, "the lake's tables are committed; loading the warehouse failed "
					 "(`ppredict warehouse load` retries)");
	double secs = (double)(time_mono_ns() - t0) / 1e9;
	if (o->json)
		printf("{\"segments\":%" PRIu64 ",\"lines\":%" PRIu64 ",\"events\":%" PRIu64
		       ",\"duplicates\":%" PRIu64 ",\"quarantined\":%" PRIu64 ",\"partitions\":%" PRIu64
		       ",\"rows_written\":%" PRIu64 ",\"version\":%" PRId64 ",\"catalog_segments\":%" PRIu64
		       ",\"visitors\":%" PRId64 ",\"items\":%" PRId64 ",\"item_pairs\":%" PRId64
		       ",\"warehouse_tables\":%d,\"warehouse_rows\":%" PRId64 ",\"seconds\":%.3f}\n",
		       st.segments, st.lines, st.events, st.duplicates, st.quarantined, st.partitions,
		       st.rows_written, st.version, st.catalog_segments, st.visitors, st.items,
		       st.item_pairs, ws.tables_loaded, ws.rows, secs);
	else if (!st.segments && !st.catalog_segments)
		printf("nothing new in the raw zone; %s is at version %" PRId64 "\n", ETL_EVENTS_TABLE,
		       st.version);
	else
		printf("%" PRIu64 " segments, %" PRIu64 " lines: %" PRIu64 " events (%" PRIu64
		       " duplicates dropped), %" PRIu64 " quarantined; %" PRIu64 " dates rewritten, "
		       "%s version %" PRId64 "; %" PRIu64 " new catalogue segments; dimensions: %" PRId64
		       " visitors, %" PRId64 " items, %" PRId64 " item pairs (%.2f s)\n",
		       st.segments, st.lines, st.events, st.duplicates, st.quarantined, st.partitions,
		       ETL_EVENTS_TABLE, st.version, st.catalog_segments, st.visitors, st.items,
		       st.item_pairs, secs);
	if (!o->json && ws.tables_loaded)
		printf("warehouse %s: %d tables loaded (%" PRId64 " rows)\n", where, ws.tables_loaded,
		       ws.rows);
	return 0;
}

const struct command cmd_etl = {
	.name = "etl",
	.fn = run_etl,
	.summary = "raw zone -> processed/events and curated tables (Delta): validate, dedupe, sessionize",
	CMD_OPTS(etl_options, struct etl_opts),
	.max_args = 0,
	.details = "Only raw segments not processed before are read; the dates they touch are\n"
		   "rebuilt with their current rows, so a re-run changes nothing. Invalid lines go\n"
		   "to processed/quarantine with segment, line and reason. The rewritten dates'\n"
		   "events, sessions, item stats and funnel go to curated/fact_events,\n"
		   "fact_sessions, agg_item_stats and agg_daily_funnel; curated/dim_date,\n"
		   "dim_visitor, dim_item (with raw/catalog/) and item_item are rebuilt whole.\n"
		   "Then the warehouse (warehouse.url) gets the tables that changed.",
};
