/* ppredict features verify-online: training/serving consistency on the lake's own data
 * (features/verify.h). */
#include "cmd/cmds.h"
#include "core/err.h"
#include "core/mem.h"
#include "features/registry.h"
#include "features/verify.h"

#include <stdlib.h>
#include <unistd.h>

struct verify_opts {
	const char *redis;
	bool json;
};

static const struct cli_opt verify_options[] = {
	{ "redis", 0, OPT_STR, offsetof(struct verify_opts, redis), NULL, "URL",
	  "replay into this Redis (redis://host:port/db; an empty database: it gets every entity's "
	  "state) instead of a temporary LMDB store" },
	{ "json", 0, OPT_FLAG, offsetof(struct verify_opts, json), NULL, NULL, "print the counts as JSON" },
};

/* A temporary LMDB store's directory (thrown away after: its commits need not sync), and
 * its removal. */
static int temp_store(char *dir, size_t size, struct online_store **store)
{
	const char *tmp = getenv("TMPDIR");

	snprintf(dir, size, "%s/ppredict-verify-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(dir))
		return pp_error(PP_EIO, "%s: cannot make a temporary directory: %s", dir, strerror(errno));
	return online_store_lmdb_open_scratch(store, dir);
}

static void remove_temp_store(const char *dir)
{
	static const char *const files[] = { "data.mdb", "lock.mdb" };
	char path[4200];

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		unlink(path);
	}
	rmdir(dir);
}

static int run_verify(struct cmd_ctx *ctx, void *vopts, int argc, char **argv)
{
	struct verify_opts *o = vopts;
	struct feature_registry r;
	struct lake_fs *fs = NULL;
	struct online_store *store = NULL;
	struct verify_stats st;
	char dir[4096] = "";
	int rc;

	(void)argc, (void)argv;
	memset(&st, 0, sizeof(st));
	if ((rc = registry_load(&r, &ctx->cfg)) || (rc = lake_fs_open_config(&fs, &ctx->cfg)))
		goto out;
	if (!(st.bad_by_feature = pp_calloc(r.nfeatures + 1, sizeof(uint64_t)))) {
		rc = PP_ENOMEM;
		goto out;
	}
	rc = o->redis ? online_store_redis_open(&store, o->redis) : temp_store(dir, sizeof(dir), &store);
	if (rc || (rc = features_verify_online(fs, &r, store, ctx->cfg.session_gap_ms, &st)))
		goto out;
	if (o->json) {
		printf("{\"events\":%" PRIu64 ",\"points\":%" PRIu64 ",\"compared\":%" PRIu64
		       ",\"unmatched\":%" PRIu64 ",\"bad_points\":%" PRIu64 ",\"bad_values\":%" PRIu64
		       ",\"max_rel_diff\":%.3g,\"store\":\"%s\",\"seconds\":%.3f}\n", st.events, st.points,
		       st.compared, st.unmatched, st.bad_points, st.bad_values, st.max_diff, store->ops->name,
		       st.seconds);
	} else {
		printf("%" PRIu64 " events replayed through the live path (%s); %" PRIu64 " of %" PRIu64
		       " training points compared with the online vector: %" PRIu64 " differ (largest relative "
		       "difference %.3g, tolerance %.0e), %" PRIu64 " never reached (%.2f s)\n", st.events,
		       store->ops->name, st.compared, st.points, st.bad_points, st.max_diff, VERIFY_REL_TOL,
		       st.unmatched, st.seconds);
		for (size_t f = 0; f < r.nfeatures; f++)
			if (st.bad_by_feature[f])
				printf("  %-28s %" PRIu64 " points differ\n", r.names[f], st.bad_by_feature[f]);
		if (st.first_bad[0])
			printf("  first: %s\n", st.first_bad);
	}
	if (st.bad_points || st.unmatched)
		rc = pp_error(PP_EINVAL, "training and serving disagree on %" PRIu64 " of %" PRIu64 " points",
			      st.bad_points + st.unmatched, st.points);
out:
	online_store_close(store);
	if (dir[0])
		remove_temp_store(dir);
	pp_free(st.bad_by_feature);
	lake_fs_close(fs);
	registry_release(&r);
	return rc;
}

const struct command cmd_features_verify = {
	.name = "features verify-online",
	.fn = run_verify,
	.summary = "replay the lake through the live path and compare every training point with serving's vector",
	CMD_OPTS(verify_options, struct verify_opts),
	.max_args = 0,
	.details = "processed/events goes event by event, in time order, through the path live events\n"
		   "take (sessions found again by the gap rule, states kept in the online store); after\n"
		   "each event that is a prediction point of features/training_set, the feature vector\n"
		   "serving reads is compared slot by slot with the training row. Exit 1 when any\n"
		   "differs beyond 1e-9 relative or a training point is never reached.",
};
