/* ppredict models list|show|promote|rollback|compare: the model registry
 * (model/model_index.h), with candidates and the champion scored on the same window
 * (model/evaluate.h). */
#include "cmd/cmds.h"
#include "core/err.h"
#include "core/tabular.h"
#include "model/model_index.h"
#include "model/model_store.h"
#include "model/promote.h"

#include <unistd.h>

struct models_opts {
	bool json, force;
	const char *by;
};

static const struct cli_opt list_options[] = {
	{ "json", 0, OPT_FLAG, offsetof(struct models_opts, json), NULL, NULL, "print JSON lines" },
};

static const struct cli_opt promote_options[] = {
	{ "force", 0, OPT_FLAG, offsetof(struct models_opts, force), NULL, NULL,
	  "promote without the rule (the history says so)" },
	{ "by", 0, OPT_STR, offsetof(struct models_opts, by), NULL, "NAME", "who promotes (default: $USER)" },
	{ "json", 0, OPT_FLAG, offsetof(struct models_opts, json), NULL, NULL, "print the decision as JSON" },
};

static const char *who(const struct models_opts *o)
{
	const char *u = o->by ? o->by : getenv("USER");

	return u && *u ? u : "unknown";
}

static json_t *model_json(const struct indexed_model *m)
{
	return json_pack("{s:s,s:s,s:s,s:s,s:f,s:f,s:f,s:s,s:s,s:s,s:b}", "version", m->version, "stage", m->stage,
			 "created", m->created, "model", m->model, "test_roc_auc", m->test_roc_auc, "test_pr_auc",
			 m->test_pr_auc, "threshold", m->threshold, "test_from", m->test_from, "promoted_at",
			 m->promoted_at, "promoted_by", m->promoted_by, "shuffled_labels", m->shuffled);
}

struct list_ctx {
	struct tab tab;
	bool json;
	size_t n;
};

static int list_one(void *vctx, const struct indexed_model *m)
{
	struct list_ctx *c = vctx;
	char roc[16], pr[16];

	c->n++;
	if (c->json) {
		json_t *j = model_json(m);
		json_dumpf(j, stdout, JSON_COMPACT | JSON_PRESERVE_ORDER);
		putchar('\n');
		json_decref(j);
		return 0;
	}
	snprintf(roc, sizeof(roc), "%.4f", m->test_roc_auc);
	snprintf(pr, sizeof(pr), "%.4f", m->test_pr_auc);
	const char *cells[] = { m->version, m->stage, m->model, roc, pr, m->test_from, m->promoted_at[0] ? m->promoted_by : "" };
	for (size_t i = 0; i < ARRAY_SIZE(cells); i++)
		tab_cell(&c->tab, cells[i], strlen(cells[i]));
	return tab_end_row(&c->tab);
}

static int run_list(struct cmd_ctx *ctx, void *vopts, int argc, char **argv)
{
	struct models_opts *o = vopts;
	struct model_index *x = NULL;
	struct list_ctx c = { .json = o->json };
	static const char *const heads[] = { "version", "stage", "model", "test ROC-AUC", "test PR-AUC", "test from",
					     "promoted by" };
	int rc;

	(void)argc, (void)argv;
	if ((rc = model_index_open(&x, &ctx->cfg)))
		return rc;
	tab_init(&c.tab, TAB_TEXT, stdout);
	for (size_t i = 0; i < ARRAY_SIZE(heads); i++)
		tab_add_column(&c.tab, heads[i], i == 3 || i == 4 ? TAB_NUMBER : TAB_STRING);
	rc = model_index_list(x, list_one, &c);
	if (!o->json)
		tab_finish(&c.tab);
	tab_release(&c.tab);
	if (!rc && !c.n && !o->json)
		printf("no model yet (`ppredict train`)\n");
	model_index_close(x);
	return rc;
}

static int run_show(struct cmd_ctx *ctx, void *vopts, int argc, char **argv)
{
	struct model_index *x = NULL;
	struct lake_fs *fs = NULL;
	struct stored_model sm = { 0 };
	struct indexed_model m;
	int rc;

	(void)vopts, (void)argc;
	if ((rc = model_index_open(&x, &ctx->cfg)) || (rc = model_index_get(x, argv[0], &m)) ||
	    (rc = lake_fs_open_config(&fs, &ctx->cfg)) || (rc = model_load(fs, argv[0], &sm)))
		goto out;
	json_object_set_new(sm.meta, "stage", json_string(m.stage));
	json_object_set_new(sm.meta, "history", model_index_history(x, m.version));
	json_dumpf(sm.meta, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	putchar('\n');
out:
	model_release(&sm);
	lake_fs_close(fs);
	model_index_close(x);
	return rc;
}

static int run_promote(struct cmd_ctx *ctx, void *vopts, int argc, char **argv)
{
	struct models_opts *o = vopts;
	struct lake_fs *fs = NULL;
	struct promotion p;
	int rc;

	if ((rc = lake_fs_open_config(&fs, &ctx->cfg)) ||
	    (rc = model_promote(fs, &ctx->cfg, argc ? argv[0] : NULL, o->force, who(o), &p)))
		goto out;
	if (o->json)
		printf("{\"promoted\":\"%s\",\"replaced\":\"%s\",\"why\":\"%s\"}\n", p.version, p.replaced, p.why);
	else
		printf("%s is the champion (%s)%s%s\n", p.version, p.why, p.replaced[0] ? "; archived " : "", p.replaced);
out:
	lake_fs_close(fs);
	return rc;
}

static int run_rollback(struct cmd_ctx *ctx, void *vopts, int argc, char **argv)
{
	struct models_opts *o = vopts;
	struct promotion p;
	int rc;

	(void)argc, (void)argv;
	if ((rc = model_rollback(&ctx->cfg, who(o), &p)))
		return rc;
	printf("%s is the champion again\n", p.version);
	return 0;
}

static int run_compare(struct cmd_ctx *ctx, void *vopts, int argc, char **argv)
{
	struct models_opts *o = vopts;
	struct lake_fs *fs = NULL;
	struct eval_scores a, b;
	bool scored;
	int rc;

	(void)argc;
	if ((rc = lake_fs_open_config(&fs, &ctx->cfg)) ||
	    (rc = model_score_pair(fs, &ctx->cfg, argv[0], argv[1], &a, &b, &scored)))
		goto out;
	if (!scored) {
		rc = pp_error(PP_EINVAL, "%s was trained on other features than the training set's: it cannot be "
			      "scored on this window", argv[1]);
		goto out;
	}
	if (o->json) {
		printf("{\"rows\":%zu,\"positives\":%zu,\"models\":[{\"version\":\"%s\",\"roc_auc\":%.17g,\"pr_auc\":%.17g,"
		       "\"logloss\":%.17g},{\"version\":\"%s\",\"roc_auc\":%.17g,\"pr_auc\":%.17g,\"logloss\":%.17g}]}\n",
		       a.rows, a.positives, argv[0], a.roc_auc, a.pr_auc, a.logloss, argv[1], b.roc_auc, b.pr_auc,
		       b.logloss);
	} else {
		printf("the newest test window: %zu rows, %zu positives\n", a.rows, a.positives);
		printf("%-24s %8s %8s %8s\n", "model", "ROC-AUC", "PR-AUC", "logloss");
		printf("%-24s %8.4f %8.4f %8.4f\n", argv[0], a.roc_auc, a.pr_auc, a.logloss);
		printf("%-24s %8.4f %8.4f %8.4f\n", argv[1], b.roc_auc, b.pr_auc, b.logloss);
	}
out:
	lake_fs_close(fs);
	return rc;
}

const struct command cmd_models_list = {
	.name = "models list",
	.fn = run_list,
	.summary = "every model version with its stage and test metrics, newest first",
	CMD_OPTS(list_options, struct models_opts),
	.max_args = 0,
};

const struct command cmd_models_show = {
	.name = "models show",
	.fn = run_show,
	.summary = "one version's meta.json, its stage and its history",
	.usage = "VERSION",
	.min_args = 1,
	.max_args = 1,
};

const struct command cmd_models_promote = {
	.name = "models promote",
	.fn = run_promote,
	.summary = "make a candidate (the newest by default) the champion, if it passes the rule",
	.usage = "[VERSION]",
	CMD_OPTS(promote_options, struct models_opts),
	.max_args = 1,
	.details = "The rule: the quality gate passes, the labels were not shuffled, and on the newest\n"
		   "test window of the training set both are scored on, the candidate's PR-AUC beats\n"
		   "the champion's by models.promote_margin thousandths. --force skips it.",
};

const struct command cmd_models_rollback = {
	.name = "models rollback",
	.fn = run_rollback,
	.summary = "archive the champion and make the one before it the champion again",
	CMD_OPTS(promote_options, struct models_opts),
	.max_args = 0,
};

const struct command cmd_models_compare = {
	.name = "models compare",
	.fn = run_compare,
	.summary = "two versions scored on the same rows: the newest test window",
	.usage = "VERSION VERSION",
	CMD_OPTS(list_options, struct models_opts),
	.min_args = 2,
	.max_args = 2,
};
