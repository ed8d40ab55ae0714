/* ppredict outliers: visitors who browse like machines, into curated/visitor_outliers. */
#include "cmd/cmds.h"
#include "core/err.h"
#include "core/timeutil.h"
#include "quality/outliers.h"
#include "quality/report_store.h"

struct outliers_opts {
	double threshold;
	bool json;
};

static const struct cli_opt outliers_options[] = {
	{ "threshold", 0, OPT_DOUBLE, offsetof(struct outliers_opts, threshold), "6", "Z",
	  "modified z-score (of log1p of each metric) every metric must pass", 0.1, 1e6 },
	{ "json", 0, OPT_FLAG, offsetof(struct outliers_opts, json), NULL, NULL, "print the report as JSON" },
};

static int run_outliers(struct cmd_ctx *ctx, void *vopts, int argc, char **argv)
{
	struct outliers_opts *o = vopts;
	struct outlier_stats st;
	struct lake_fs *fs;
	json_t *rep, *metrics;
	char where[200];
	int rc;

	(void)argc, (void)argv;
	if ((rc = lake_fs_open_config(&fs, &ctx->cfg)))
		return rc;
	if ((rc = outliers_find(fs, o->threshold, &st))) {
		lake_fs_close(fs);
		return rc;
	}
	metrics = json_object();
	for (int k = 0; k < OUTLIER_METRICS; k++)
		json_object_set_new(metrics, outlier_metric_names[k],
				    json_pack("{s:f,s:f}", "median", st.median[k], "log1p_spread", st.spread[k]));
	rep = json_pack("{s:s,s:f,s:I,s:I,s:o}", "table", OUTLIERS_TABLE, "threshold", o->threshold,
			"visitors", (json_int_t)st.visitors, "flagged", (json_int_t)st.flagged, "metrics",
			metrics);
	if (st.truth_bots) {
		double precision = st.flagged ? (double)st.true_positives / (double)st.flagged : 0;
		double recall = (double)st.true_positives / (double)st.truth_bots;
		json_object_set_new(rep, "simulator_truth",
				    json_pack("{s:I,s:I,s:f,s:f}", "bots", (json_int_t)st.truth_bots,
					      "flagged_bots", (json_int_t)st.true_positives, "precision",
					      precision, "recall", recall));
	}
	rc = report_store(fs, "outliers", rep, time_now_ms(), where, sizeof(where));
	lake_fs_close(fs);
	if (!rc && o->json) {
		json_dumpf(rep, stdout, JSON_COMPACT);
		putchar('\n');
	} else if (!rc) {
		printf("%" PRIu64 " of %" PRIu64 " visitors flagged (every metric's modified z-score > %g) "
		       "-> %s\n", st.flagged, st.visitors, o->threshold, OUTLIERS_TABLE);
		for (int k = 0; k < OUTLIER_METRICS; k++)
			printf("  %-24s median %.3g, spread of log1p %.3g\n", outlier_metric_names[k],
			       st.median[k], st.spread[k]);
		if (st.truth_bots)
			printf("against the simulator's truth: %" PRIu64 " of %" PRIu64 " bots flagged "
			       "(recall %.3f), precision %.3f\n", st.true_positives, st.truth_bots,
			       (double)st.true_positives / (double)st.truth_bots,
			       st.flagged ? (double)st.true_positives / (double)st.flagged : 0.0);
	}
	json_decref(rep);
	return rc;
}

const struct command cmd_outliers = {
	.name = "outliers",
	.fn = run_outliers,
	.summary = "flag visitors who browse like machines (bots) into curated/visitor_outliers",
	CMD_OPTS(outliers_options, struct outliers_opts),
	.max_args = 0,
	.details = "Per visitor, from curated/fact_sessions: the peak events per minute of a\n"
		   "session, views per session and distinct items per session, each scored with\n"
		   "the modified z-score of its log1p (median and MAD); a visitor is flagged when\n"
		   "all three pass\n"
		   "--threshold. Their events stay in the lake; training leaves them out by\n"
		   "default. On a simulated lake the simulator's truth gives precision and recall.",
};
