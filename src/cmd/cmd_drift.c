/* ppredict drift: one window of a lake table against another (quality/drift.h). */
#include "cmd/cmds.h"
#include "core/err.h"
#include "core/mem.h"
#include "core/timeutil.h"
#include "features/builder.h"
#include "model/model_store.h"
#include "quality/drift.h"
#include "quality/report_store.h"

#include <math.h>

struct drift_cmd_opts {
	const char *reference, *current, *columns, *stattest;
	double threshold, share;
	int64_t sample, seed;
	bool json, fail_on_drift;
};

#define O(f) offsetof(struct drift_cmd_opts, f)
static const struct cli_opt drift_options[] = {
	{ "reference", 'r', OPT_STR, O(reference), NULL, "TABLE[@V][:FROM..TO]|model[:VERSION]",
	  "the reference: a table, a version of it, a date window of it, or a model's training "
	  "window of the training set (its features and its predictions; the newest model by "
	  "default)" },
	{ "current", 'c', OPT_STR, O(current), NULL, "[TABLE[@V]:]FROM..TO",
	  "the data to compare (its table defaults to the reference's)" },
	{ "columns", 0, OPT_STR, O(columns), NULL, "A,B",
	  "only these columns (default: all but identifiers and times)" },
	{ "stattest", 0, OPT_STR, O(stattest), NULL, "TEST",
	  "ks, chisquare, z, wasserstein, jensenshannon or psi instead of the default rule" },
	{ "threshold", 0, OPT_DOUBLE, O(threshold), "0", "X",
	  "the test's threshold (default: p 0.05, distances and PSI 0.1)", 0, 1e9 },
	{ "drift-share", 0, OPT_DOUBLE, O(share), "0.5", "S",
	  "share of drifted columns that makes a dataset drift", 0, 1 },
	{ "sample", 0, OPT_INT, O(sample), "0", "N",
	  "compare N rows drawn at random from each side (0: all)", 0, 1e12 },
	{ "seed", 0, OPT_INT, O(seed), "42", "N", "seed of the sample", 0, 1e18 },
	{ "json", 0, OPT_FLAG, O(json), NULL, NULL, "print the report as JSON" },
	{ "fail-on-drift", 0, OPT_FLAG, O(fail_on_drift), NULL, NULL,
	  "exit 1 when the dataset drifted (a pipeline gate)" },
};
#undef O

static const char *const stattests[] = { "ks", "chisquare", "z", "wasserstein", "jensenshannon", "psi" };

static void print_report(const json_t *rep)
{
	const json_t *cols = json_object_get(rep, "columns"), *sk = json_object_get(rep, "skipped");
	struct tab tab;
	static const char *const heads[] = { "column", "type", "test", "statistic", "p-value",
					     "threshold", "drift", "PSI", "PSI band" };

	tab_init(&tab, TAB_TEXT, stdout);
	for (size_t c = 0; c < ARRAY_SIZE(heads); c++)
		tab_add_column(&tab, heads[c], c >= 3 && c <= 5 ? TAB_NUMBER : c == 7 ? TAB_NUMBER : TAB_STRING);
	for (size_t i = 0; i < json_array_size(cols); i++) {
		const json_t *c = json_array_get(cols, i), *p = json_object_get(c, "p_value");
		char num[4][32];
		snprintf(num[0], 32, "%.4g", json_real_value(json_object_get(c, "statistic")));
		snprintf(num[1], 32, "%.3g", json_real_value(p));
		snprintf(num[2], 32, "%g", json_real_value(json_object_get(c, "threshold")));
		snprintf(num[3], 32, "%.4f", json_real_value(json_object_get(c, "psi")));
		const char *cells[] = { json_string_value(json_object_get(c, "column")),
					json_string_value(json_object_get(c, "type")),
					json_string_value(json_object_get(c, "stattest")), num[0],
					p ? num[1] : "-", num[2],
					json_is_true(json_object_get(c, "drift_detected")) ? "DRIFT" : "no",
					num[3], json_string_value(json_object_get(c, "psi_band")) };
		for (size_t k = 0; k < ARRAY_SIZE(cells); k++)
			tab_cell(&tab, cells[k], cells[k] ? strlen(cells[k]) : 0);
		tab_end_row(&tab);
	}
	tab_finish(&tab);
	tab_release(&tab);
	for (size_t i = 0; i < json_array_size(sk); i++)
		printf("  skipped %s: %s\n",
		       json_string_value(json_object_get(json_array_get(sk, i), "column")),
		       json_string_value(json_object_get(json_array_get(sk, i), "reason")));
}

static int predict_rows(void *ctx, const float *x, size_t rows, double *out)
{
	return model_predict(ctx, x, rows, out);
}

/* --reference model[:VERSION]: the training set's rows of the model's training window, its
 * features, and its predictions as one more column. */
static int model_reference(struct lake_fs *fs, const char *spec, struct stored_model *m,
			   struct drift_window *ref, struct drift_opts *d)
{
	const json_t *w;
	const char *tf, *tv;
	struct civil c;
	int64_t from, to;
	int rc;

	if ((rc = model_load(fs, spec[5] == ':' ? spec + 6 : NULL, m)))
		return rc;
	w = json_object_get(m->meta, "windows");
	tf = json_string_value(json_object_get(w, "train_from"));
	tv = json_string_value(json_object_get(w, "valid_from"));
	if (!tf || !tv || time_parse(tf, strlen(tf), &from) || time_parse(tv, strlen(tv), &to))
		return pp_error(PP_ECORRUPT, "model %s: meta.json has no training window", m->version);
	memset(ref, 0, sizeof(*ref));
	snprintf(ref->table, sizeof(ref->table), "%s", TRAINING_SET_TABLE);
	ref->version = -1;
	civil_from_ms(from, &c);
	snprintf(ref->dates.from, sizeof(ref->dates.from), "%04d-%02d-%02d", c.year, c.month, c.day);
	civil_from_ms(to - 1, &c);
	snprintf(ref->dates.to, sizeof(ref->dates.to), "%04d-%02d-%02d", c.year, c.month, c.day);
	d->columns = m->features;
	d->ncolumns = m->nfeatures;
	d->model_features = m->features;
	d->nmodel_features = m->nfeatures;
	d->predict = predict_rows;
	d->predict_ctx = m;
	return 0;
}

static int run_drift(struct cmd_ctx *ctx, void *vopts, int argc, char **argv)
{
	struct stored_model model = { 0 };
	struct drift_cmd_opts *o = vopts;
	struct drift_window ref, cur;
	struct drift_opts d = { 0 };
	struct drift_summary sum;
	struct lake_fs *fs = NULL;
	json_t *rep = NULL;
	char *list = NULL, where[200] = "";
	const char **cols = NULL;
	int rc;

	(void)argc, (void)argv;
	bool by_model;

	if (!o->reference || !o->current)
		return pp_error(PP_EUSAGE, "give --reference and --current");
	by_model = !strcmp(o->reference, "model") || !strncmp(o->reference, "model:", 6);
	if ((!by_model && (rc = drift_window_parse(o->reference, &ref))) ||
	    (rc = drift_window_parse(o->current, &cur)))
		return rc;
	if (!by_model && !ref.table[0])
		return pp_error(PP_EUSAGE, "--reference: name the table (TABLE:FROM..TO)");
	if (by_model && o->columns)
		return pp_error(PP_EUSAGE, "--columns: a model's reference compares the model's features");
	if (o->stattest) {
		bool known = false;
		for (size_t i = 0; i < ARRAY_SIZE(stattests); i++)
			known |= !strcmp(o->stattest, stattests[i]);
		if (!known)
			return pp_error(PP_EUSAGE, "--stattest: expected ks, chisquare, z, wasserstein, "
					"jensenshannon or psi, got '%s'", o->stattest);
	}
	if (o->columns) { /* a comma-separated list */
		size_t n = 1;
		if (!(list = pp_strdup(o->columns)))
			return PP_ENOMEM;
		for (const char *p = list; *p; p++)
			n += *p == ',';
		if (!(cols = pp_calloc(n, sizeof(*cols)))) {
			rc = PP_ENOMEM;
			goto out;
		}
		for (char *p = list, *comma; p; p = comma) {
			if ((comma = strchr(p, ',')))
				*comma++ = 0;
			if (*p)
				cols[d.ncolumns++] = p;
		}
		d.columns = cols;
	}
	d.stattest = o->stattest;
	d.threshold = o->threshold;
	d.drift_share = o->share;
	d.sample = (size_t)o->sample;
	d.seed = (uint64_t)o->seed;
	if ((rc = lake_fs_open_config(&fs, &ctx->cfg)) ||
	    (by_model && (rc = model_reference(fs, o->reference, &model, &ref, &d))) ||
	    (rc = drift_compare(fs, &ref, &cur, &d, &rep, &sum)) ||
	    (rc = report_store(fs, "drift", rep, time_now_ms(), where, sizeof(where))))
		goto out;
	if (o->json) {
		json_dumpf(rep, stdout, JSON_COMPACT);
		putchar('\n');
	} else {
		const json_t *r = json_object_get(rep, "reference"), *c = json_object_get(rep, "current");
		printf("reference: %s v%" JSON_INTEGER_FORMAT " %s..%s, %" JSON_INTEGER_FORMAT " rows\n",
		       json_string_value(json_object_get(r, "table")),
		       json_integer_value(json_object_get(r, "version")), ref.dates.from, ref.dates.to,
		       json_integer_value(json_object_get(r, "rows")));
		printf("current:   %s v%" JSON_INTEGER_FORMAT " %s..%s, %" JSON_INTEGER_FORMAT " rows\n",
		       json_string_value(json_object_get(c, "table")),
		       json_integer_value(json_object_get(c, "version")), cur.dates.from, cur.dates.to,
		       json_integer_value(json_object_get(c, "rows")));
		print_report(rep);
		printf("dataset drift: %s (%zu of %zu columns drifted; the rule: at least %g of them) "
		       "(report: %s)\n", sum.dataset_drift ? "YES" : "no", sum.drifted, sum.columns,
		       o->share, where);
	}
	if (o->fail_on_drift && sum.dataset_drift)
		rc = pp_error(PP_EINVAL, "drift gate: %zu of %zu columns drifted", sum.drifted, sum.columns);
out:
	json_decref(rep);
	model_release(&model);
	lake_fs_close(fs);
	pp_free(cols);
	pp_free(list);
	return rc;
}

const struct command cmd_drift = {
	.name = "drift",
	.fn = run_drift,
	.summary = "test whether a table's current data drifted from a reference window or version",
	CMD_OPTS(drift_options, struct drift_cmd_opts),
	.max_args = 0,
	.details = "Per column: with at most 1,000 reference values, Kolmogorov-Smirnov\n"
		   "(numerical) or chi-square / z-test (categorical), drift when p < 0.05; above,\n"
		   "the Wasserstein distance over the reference's standard deviation or the\n"
		   "Jensen-Shannon distance, drift when >= 0.1 (Evidently's defaults); PSI beside\n"
		   "each (bands 0.1 / 0.25). The dataset drifted when at least --drift-share of the\n"
		   "columns did. Reports go to _meta/quality/drift/ (latest.json: the last).\n"
		   "Example: --reference processed/events:2015-05-03..2015-05-25 --current\n"
		   "2015-05-26..2015-06-01. With --reference model, the training set's rows of the\n"
		   "model's training window are the reference, and the model's predictions on both\n"
		   "sides are one more column (\"prediction\").",
};
