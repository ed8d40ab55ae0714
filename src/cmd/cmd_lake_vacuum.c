/* ppredict lake vacuum TABLE: deletes a Delta table's data files that its latest version
 * no longer references, once they have been removed for longer than the retention. */
#include "cmd/cmds.h"
#include "core/err.h"
#include "core/timeutil.h"
#include "lake/delta/delta.h"

struct vacuum_opts {
	int64_t retain_hours;
	bool dry_run, json;
};

#define O(f) offsetof(struct vacuum_opts, f)
static const struct cli_opt vacuum_options[] = {
	{ "retain-hours", 0, OPT_INT, O(retain_hours), "168", "H",
	  "keep files removed less than H hours ago (time travel to them still works)", 0, 1e9 },
	{ "dry-run", 'n', OPT_FLAG, O(dry_run), NULL, NULL, "only count what would be deleted" },
	{ "json", 0, OPT_FLAG, O(json), NULL, NULL, "print the counts as JSON" },
};
#undef O

static int run_lake_vacuum(struct cmd_ctx *ctx, void *vopts, int argc, char **argv)
{
	struct vacuum_opts *o = vopts;
	struct delta_vacuum_stats st;
	struct lake_fs *fs;
	int rc;

	(void)argc;
	if ((rc = lake_fs_open_config(&fs, &ctx->cfg)))
		return rc;
	rc = delta_vacuum(fs, argv[0], o->retain_hours * MS_PER_HOUR, o->dry_run, &st);
	lake_fs_close(fs);
	if (rc)
		return rc;
	if (o->json)
		printf("{\"table\":\"%s\",\"deleted\":%" PRIu64 ",\"deleted_bytes\":%" PRIu64
		       ",\"never_committed\":%" PRIu64 ",\"retained\":%" PRIu64 ",\"pending\":%" PRIu64
		       ",\"dry_run\":%s}\n", argv[0], st.deleted, st.deleted_bytes, st.never_committed,
		       st.retained, st.pending, o->dry_run ? "true" : "false");
	else
		printf("%s: %s %" PRIu64 " files (%.1f MB, %" PRIu64 " of them never committed); %" PRIu64
		       " removed files kept for the retention period; %" PRIu64 " files not yet committed "
		       "kept (younger than the retention or an hour)\n", argv[0],
		       o->dry_run ? "would delete" : "deleted", st.deleted, (double)st.deleted_bytes / 1048576.0,
		       st.never_committed, st.retained, st.pending);
	return 0;
}

const struct command cmd_lake_vacuum = {
	.name = "lake vacuum",
	.fn = run_lake_vacuum,
	.summary = "delete a Delta table's files that no version within the retention needs",
	CMD_OPTS(vacuum_options, struct vacuum_opts),
	.usage = "TABLE",
	.min_args = 1,
	.max_args = 1,
	.details = "Deleted: files the log removed more than --retain-hours ago, and files it never\n"
		   "mentions (left by writers killed before their commit) once older than that and\n"
		   "than an hour. The latest version is never touched. Versions older than the\n"
		   "retention may no longer be readable afterwards.",
};
