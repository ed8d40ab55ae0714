/* ppredict warehouse load: the curated tables into the SQL warehouse (SQLite or
 * PostgreSQL), each table that changed since the last load replaced in one transaction. */
#include "cmd/cmds.h"
#include "core/err.h"
#include "core/timeutil.h"
#include "warehouse/warehouse.h"

struct load_opts {
	bool full, json;
};

static const struct cli_opt load_options[] = {
	{ "full", 0, OPT_FLAG, offsetof(struct load_opts, full), NULL, NULL,
	  "reload every table, changed or not" },
	{ "json", 0, OPT_FLAG, offsetof(struct load_opts, json), NULL, NULL, "print the counts as JSON" },
};

int warehouse_load_lake(const struct config *cfg, const char *const *tables, size_t n, bool full,
			struct warehouse_load_stats *st, char *where, size_t where_size)
{
	struct warehouse *w;
	struct lake_fs *fs;
	int rc;

	if ((rc = lake_fs_open_config(&fs, cfg)))
		return rc;
	if (!(rc = warehouse_open(&w, cfg))) {
		snprintf(where, where_size, "%s", w->where);
		rc = warehouse_load(w, fs, tables, n, full, st);
		warehouse_close(w);
	}
	lake_fs_close(fs);
	return rc;
}

static int run_warehouse_load(struct cmd_ctx *ctx, void *vopts, int argc, char **argv)
{
	struct load_opts *o = vopts;
	struct warehouse_load_stats st = { 0 };
	char where[256] = "";
	uint64_t t0 = time_mono_ns();
	int rc;

	(void)argc;
	(void)argv;
	if ((rc = warehouse_load_lake(&ctx->cfg, NULL, 0, o->full, &st, where, sizeof(where))))
		return rc;
	double secs = (double)(time_mono_ns() - t0) / 1e9;
	if (o->json)
		printf("{\"tables_loaded\":%d,\"tables_current\":%d,\"rows\":%" PRId64
		       ",\"seconds\":%.3f}\n", st.tables_loaded, st.tables_current, st.rows, secs);
	else
		printf("%s: %d tables loaded (%" PRId64 " rows), %d already current (%.2f s)\n", where,
		       st.tables_loaded, st.rows, st.tables_current, secs);
	return 0;
}

const struct command cmd_warehouse_load = {
	.name = "warehouse load",
	.fn = run_warehouse_load,
	.summary = "load the curated tables into the SQL warehouse (SQLite or PostgreSQL)",
	CMD_OPTS(load_options, struct load_opts),
	.max_args = 0,
	.details = "The warehouse is warehouse.url: sqlite:PATH (relative to lake.root) or a\n"
		   "postgresql:// URL. A table whose Delta version is the one loaded last is left\n"
		   "alone; the others are dropped, created and bulk loaded in one transaction each,\n"
		   "so queries see the old table or the new one. ppredict_loads records what was\n"
		   "loaded. `ppredict etl` ends with this step.",
};
