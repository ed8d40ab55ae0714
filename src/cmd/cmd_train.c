/* ppredict train: a model from the feature store's training set (model/train.h). */
#include "cmd/cmds.h"
#include "core/err.h"
#include "core/tabular.h"
#include "features/registry.h"
#include "model/model_index.h"
#include "model/train.h"

#include <math.h>

struct train_cmd_opts {
	const char *matrix, *label, *time, *group;
	bool shuffle_labels, no_gate, json;
	const char *beta, *precision, *recall;
};

static const struct cli_opt train_options[] = {
	{ "matrix", 0, OPT_STR, offsetof(struct train_cmd_opts, matrix), NULL, "PATH",
	  "a training matrix in the lake (default: features/training_set.matrix)" },
	{ "label", 0, OPT_STR, offsetof(struct train_cmd_opts, label), NULL, "COL",
	  "train on FILE.csv or FILE.parquet (the argument) with this label column instead of the "
	  "feature store" },
	{ "time", 0, OPT_STR, offsetof(struct train_cmd_opts, time), NULL, "COL",
	  "with --label: the time column the split follows (default: a seeded random split)" },
	{ "group", 0, OPT_STR, offsetof(struct train_cmd_opts, group), NULL, "COL",
	  "with --label: rows sharing this column's value stay on one side of the split" },
	{ "beta", 0, OPT_STR, offsetof(struct train_cmd_opts, beta), "1", "B",
	  "the threshold maximises F-beta on validation (2: recall counts double)" },
	{ "precision", 0, OPT_STR, offsetof(struct train_cmd_opts, precision), NULL, "P",
	  "instead: the lowest threshold whose validation precision is at least P (0 < P <= 1)" },
	{ "recall", 0, OPT_STR, offsetof(struct train_cmd_opts, recall), NULL, "R",
	  "instead: the highest threshold whose validation recall is at least R (0 < R <= 1)" },
	{ "shuffle-labels", 0, OPT_FLAG, offsetof(struct train_cmd_opts, shuffle_labels), NULL, NULL,
	  "permute the labels first (a leakage check: the test AUC must come out near 0.5)" },
	{ "no-gate", 0, OPT_FLAG, offsetof(struct train_cmd_opts, no_gate), NULL, NULL,
	  "train even when the latest quality check failed an error expectation" },
	{ "json", 0, OPT_FLAG, offsetof(struct train_cmd_opts, json), NULL, NULL, "print meta.json" },
};

static double num(const json_t *j, const char *a, const char *b)
{
	return json_number_value(json_object_get(json_object_get(j, a), b));
}

static int run_train(struct cmd_ctx *ctx, void *vopts, int argc, char **argv)
{
	struct train_cmd_opts *o = vopts;
	struct train_opts to;
	struct feature_registry r;
	struct lake_fs *fs = NULL;
	struct model_index *index = NULL;
	json_t *meta = NULL;
	char *end;
	int rc;

	if (!o->label != !argc)
		return pp_error(PP_EUSAGE, o->label ? "--label: give the CSV file to train on"
						    : "a file to train on needs --label COL");
	if (!o->label && (o->time || o->group))
		return pp_error(PP_EUSAGE, "--time and --group go with --label");
	train_opts_from_config(&to, &ctx->cfg);
	to.matrix = o->matrix;
	to.csv = argc ? argv[0] : NULL;
	to.label = o->label;
	to.time_col = o->time;
	to.group_col = o->group;
	to.shuffle_labels = o->shuffle_labels;
	to.no_gate = o->no_gate;
	to.beta = strtod(o->beta, &end);
	if (*end || !(to.beta > 0) || to.beta > 100)
		return pp_error(PP_EUSAGE, "--beta: expected a number above 0, got '%s'", o->beta);
	if (o->precision && o->recall)
		return pp_error(PP_EUSAGE, "--precision or --recall, not both");
	for (int k = 0; k < 2; k++) {
		const char *v = k ? o->recall : o->precision;
		double *x = k ? &to.recall : &to.precision;
		if (!v)
			continue;
		*x = strtod(v, &end);
		if (*end || !(*x > 0) || *x > 1)
			return pp_error(PP_EUSAGE, "--%s: expected a number above 0 and at most 1, got '%s'",
					k ? "recall" : "precision", v);
	}
	if ((rc = registry_load(&r, &ctx->cfg)) || (rc = lake_fs_open_config(&fs, &ctx->cfg)) ||
	    (rc = model_index_open(&index, &ctx->cfg)) || (rc = model_train(fs, &r, &to, index, &meta)))
		goto out;
	if (o->json) {
		json_dumpf(meta, stdout, JSON_COMPACT | JSON_PRESERVE_ORDER);
		putchar('\n');
	} else {
		printf("model %s: %s (chosen on validation PR-AUC of %zu candidates)\n",
		       json_string_value(json_object_get(meta, "version")),
		       json_string_value(json_object_get(meta, "model")),
		       json_array_size(json_object_get(meta, "candidates")));
		printf("%-8s %8s %8s %8s %8s %8s %9s %8s\n", "window", "rows", "ROC-AUC", "PR-AUC", "logloss",
		       "Brier", "precision", "recall");
		static const char *const parts[] = { "train", "valid", "test" };
		for (int p = 0; p < 3; p++) {
			char key[32];
			snprintf(key, sizeof(key), "metrics_%s", parts[p]);
			printf("%-8s %8.0f %8.4f %8.4f %8.4f %8.4f %9.4f %8.4f\n", parts[p], num(meta, key, "rows"),
			       num(meta, key, "roc_auc"), num(meta, key, "pr_auc"), num(meta, key, "logloss"),
			       num(meta, key, "brier"), num(meta, key, "precision"), num(meta, key, "recall"));
		}
		const json_t *oracle = json_object_get(meta, "oracle");
		if (oracle) {
			const json_t *w = json_object_get(oracle, "test_window");
			printf("oracle ROC-AUC %.4f (%s: the true probability given what a model can see): "
			       "the test window reaches %.1f%% of it\n", num(meta, "oracle", "ceiling"),
			       json_string_value(json_object_get(oracle, "ceiling_is")),
			       100 * num(meta, "oracle", "test_roc_auc_share"));
			if (w)
				printf("(knowing each session's hidden intent, which no model can, would reach %.4f "
				       "on those %.0f points)\n", num(oracle, "test_window", "latent"),
				       num(oracle, "test_window", "points"));
		}
		const char *split = json_string_value(json_object_get(meta, "split"));
		char window[64];
		snprintf(window, sizeof(window), "test window from %s",
			 json_string_value(json_object_get(json_object_get(meta, "windows"), "test_from")));
		char rule[64];
		if (to.precision > 0 || to.recall > 0)
			snprintf(rule, sizeof(rule), "%s %g on validation", to.precision > 0 ? "precision" : "recall",
				 to.precision > 0 ? to.precision : to.recall);
		else
			snprintf(rule, sizeof(rule), "F%g on validation", to.beta);
		printf("threshold %.4f (%s); %s; written to %s/%s/, a candidate (`ppredict models promote`)\n",
		       num(meta, "threshold", "value"), rule, strcmp(split, "time") ? "a random split (seeded)" : window,
		       MODELS_DIR, json_string_value(json_object_get(meta, "version")));
	}
out:
	json_decref(meta);
	model_index_close(index);
	lake_fs_close(fs);
	registry_release(&r);
	return rc;
}

const struct command cmd_train = {
	.name = "train",
	.fn = run_train,
	.summary = "train XGBoost on the training set: split by time, early stopping, threshold, test metrics",
	CMD_OPTS(train_options, struct train_cmd_opts),
	.usage = "[--label COL FILE.csv|FILE.parquet]",
	.max_args = 1,
	.details = "The rows are split by time (train.valid_percent, train.test_percent; a session\n"
		   "stays on one side). Candidates: depth-wise trees under class weights 1, sqrt(neg/pos)\n"
		   "and neg/pos, then leaf-wise trees and a linear model with the best weight; each\n"
		   "stops early on validation PR-AUC. The best on validation gets its threshold by\n"
		   "F-beta there; the test window is touched once, for the metrics. The model goes to\n"
		   "models/<version>/ (model.json: XGBoost's JSON; meta.json). Refused when the latest\n"
		   "`ppredict check` failed an error expectation.\n"
		   "With --label COL FILE.csv, the rows of your own CSV instead: every other column a\n"
		   "feature (text as codes, true/false as 1/0, empty or NA missing), split by --time or\n"
		   "at random (seeded), --group kept together.",
};
