/* ppredict etl: the raw zone's new events into the processed/events Delta table. */
#include "cmd/cmds.h"
#include "etl/predictions.h"
#include "core/err.h"
#include "core/timeutil.h"
#include "etl/etl.h"

#include <pthread.h>

struct etl_opts {
	bool json, no_warehouse;
};

static const struct cli_opt etl_options[] = {
	{ "json", 0, OPT_FLAG, offsetof(struct etl_opts, json), NULL, NULL, "print the counts as JSON" },
	{ "no-warehouse", 0, OPT_FLAG, offsetof(struct etl_opts, no_warehouse), NULL, NULL,
	  "leave the warehouse as it is (load it later with `ppredict warehouse load`)" },
};

/*
 * The warehouse load overlaps the history pass: once the per-date tables are committed a
 * thread starts loading them (the largest: fact_events), then whichever of the history's
 * tables are committed by then (dim_visitor is first); the rest follows the run. A table
 * the run has not rebuilt yet is still at the version loaded before, and is skipped.
 */
static const char *const early_tables[] = { "fact_events", "fact_sessions", "agg_item_stats",
					    "agg_daily_funnel", "dim_date", "dim_visitor",
					    "dim_item", "item_item" };

struct early_load {
	const struct config *cfg;
	pthread_t thread;
	bool started;
	struct warehouse_load_stats st;
	char where[256];
	int rc;
	char err[1024];
};

static void *early_main(void *arg)
{
	struct early_load *l = arg;

	l->rc = warehouse_load_lake(l->cfg, early_tables, ARRAY_SIZE(early_tables), false, &l->st,
				    l->where, sizeof(l->where));
	if (l->rc)
		snprintf(l->err, sizeof(l->err), "%s", pp_errmsg());
	return NULL;
}

static void start_early_load(void *ctx)
{
	struct early_load *l = ctx;

	l->started = pthread_create(&l->thread, NULL, early_main, l) == 0;
}

static int run_etl(struct cmd_ctx *ctx, void *vopts, int argc, char **argv)
{
	struct etl_opts *o = vopts;
	struct lake_fs *fs;
	struct etl_stats st;
	struct early_load early = { .cfg = &ctx->cfg };
	struct etl_hooks hooks = { o->no_warehouse ? NULL : start_early_load, &early };
	struct warehouse_load_stats ws = { 0 };
	char where[256] = "";
	uint64_t t0 = time_mono_ns();
	int rc;

	(void)argc;
	(void)argv;
	if ((rc = lake_fs_open_config(&fs, &ctx->cfg)))
		return rc;
	struct predictions_stats ps = { .version = -1 };
	rc = etl_raw_to_processed(fs, &ctx->cfg, &hooks, &st);
	if (!rc) /* the server's prediction log, for drift checks of what serving saw */
		rc = etl_predictions(fs, &ps);
	lake_fs_close(fs);
	if (early.started) {
		pthread_join(early.thread, NULL);
		ws = early.st;
	}
	if (rc)
		return rc;
	if (early.started && early.rc)
		rc = pp_error(early.rc, "%s", early.err);
	/* every run, changes or not: a load that failed before is retried */
	if (!rc && !o->no_warehouse)
		rc = warehouse_load_lake(&ctx->cfg, NULL, 0, false, &ws, where, sizeof(where));
	if (rc)
		return pp_error_wrap(rc, "the lake's tables are committed; loading the warehouse failed "
					 "(`ppredict warehouse load` retries)");
	double secs = (double)(time_mono_ns() - t0) / 1e9;
	if (o->json)
		printf("{\"segments\":%" PRIu64 ",\"lines\":%" PRIu64 ",\"events\":%" PRIu64
		       ",\"duplicates\":%" PRIu64 ",\"quarantined\":%" PRIu64 ",\"partitions\":%" PRIu64
		       ",\"rows_written\":%" PRIu64 ",\"version\":%" PRId64 ",\"catalog_segments\":%" PRIu64
		       ",\"visitors\":%" PRId64 ",\"items\":%" PRId64 ",\"item_pairs\":%" PRId64
		       ",\"warehouse_tables\":%d,\"warehouse_rows\":%" PRId64 ",\"predictions\":%" PRIu64
		       ",\"seconds\":%.3f}\n",
		       st.segments, st.lines, st.events, st.duplicates, st.quarantined, st.partitions,
		       st.rows_written, st.version, st.catalog_segments, st.visitors, st.items,
		       st.item_pairs, ws.tables_loaded, ws.rows, ps.rows, secs);
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
	if (!o->json && ps.rows)
		printf("%s version %" PRId64 ": %" PRIu64 " logged predictions with %" PRIu64 " features (%" PRIu64
		       " bad lines skipped)\n", PREDICTIONS_TABLE, ps.version, ps.rows, ps.features, ps.bad_lines);
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
