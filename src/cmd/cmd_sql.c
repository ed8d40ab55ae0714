/* ppredict sql QUERY: runs one statement against the warehouse and prints its rows. */
#include "cmd/cmds.h"
#include "core/err.h"
#include "warehouse/warehouse.h"

struct sql_opts {
	const char *format;
};

static const struct cli_opt sql_options[] = {
	{ "format", 'f', OPT_STR, offsetof(struct sql_opts, format), "text", "FMT",
	  "text, csv or json (one object per row)" },
};

static int run_sql(struct cmd_ctx *ctx, void *vopts, int argc, char **argv)
{
	struct sql_opts *o = vopts;
	struct warehouse *w;
	enum tab_format format;
	struct tab tab;
	int rc;

	(void)argc;
	if ((rc = tab_format_parse(o->format, &format))) {
		pp_error_wrap(rc, "--format");
		return PP_EUSAGE;
	}
	if ((rc = warehouse_open(&w, &ctx->cfg)))
		return rc;
	tab_init(&tab, format, stdout);
	struct wh_sink sink = wh_sink_tab(&tab);
	rc = w->ops->query(w, argv[0], &sink);
	if (!rc && tab.ncols)
		rc = tab_finish(&tab);
	tab_release(&tab);
	warehouse_close(w);
	return rc;
}

const struct command cmd_sql = {
	.name = "sql",
	.fn = run_sql,
	.summary = "run a SQL statement against the warehouse and print its rows",
	.usage = "QUERY",
	CMD_OPTS(sql_options, struct sql_opts),
	.min_args = 1,
	.max_args = 1,
	.details = "The tables are the curated star schema (dim_date, dim_visitor, dim_item,\n"
		   "fact_events, fact_sessions, agg_daily_funnel, agg_item_stats, item_item) as\n"
		   "last loaded by `ppredict etl` or `ppredict warehouse load`, plus\n"
		   "ppredict_loads. Values print the same on SQLite and PostgreSQL: integers,\n"
		   "shortest exact doubles, true/false, dates and 'YYYY-MM-DD HH:MM:SS.mmm'.",
};
