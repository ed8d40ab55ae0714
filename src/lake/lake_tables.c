/* The tables ppredict writes and their versions (lake_tables.h). */
#include "lake/lake_tables.h"
#include "core/err.h"
#include "lake/lake_fs.h"

const char *const lake_tables[] = {
	"processed/events",	  "processed/quarantine",    "processed/predictions", "curated/fact_events",
	"curated/fact_sessions",  "curated/agg_daily_funnel", "curated/agg_item_stats", "curated/dim_item",
	"curated/dim_visitor",	  "curated/dim_date",	      "curated/item_item",     "curated/visitor_outliers",
	"features/training_set",
};
const size_t nlake_tables = ARRAY_SIZE(lake_tables);

static int newest_commit(void *ctx, const char *path, uint64_t size, int64_t mtime_ms)
{
	int64_t *v = ctx, n = 0;
	const char *base = strrchr(path, '/');
	size_t digits = 0;

	(void)size;
	(void)mtime_ms;
	base = base ? base + 1 : path;
	for (; base[digits] >= '0' && base[digits] <= '9' && digits < 20; digits++)
		n = n * 10 + (base[digits] - '0');
	if (digits == 20 && !strcmp(base + digits, ".json") && n > *v)
		*v = n;
	return 0;
}

int lake_table_version(struct lake_fs *fs, const char *table, int64_t *version)
{
	char prefix[512];
	int rc;

	*version = -1;
	snprintf(prefix, sizeof(prefix), "%s/_delta_log/", table);
	rc = fs->ops->list(fs, prefix, newest_commit, version);
	if (rc == PP_ENOENT) {
		pp_error_clear();
		return 0;
	}
	return rc;
}
