/* Model reports and cards (report.h). */
#include "model/report.h"
#include "core/err.h"
#include "core/mem.h"
#include "core/rng.h"
#include "model/metrics.h"

#include <math.h>

#define CURVE_POINTS 101
#define SHAP_SAMPLE 1000
#define SUMMARY_ROWS 200
#define SUMMARY_FEATURES 10

/* ROC (fpr, tpr) and PR (recall, precision) at thresholds spread over the ranking. */
static void curves(const double *p, const float *y, const size_t *order, size_t n, json_t *roc, json_t *pr)
{
	double pos = 0, neg, tp = 0, fp = 0;
	size_t next = 0, step = n / (CURVE_POINTS - 1) ? n / (CURVE_POINTS - 1) : 1;

	for (size_t i = 0; i < n; i++)
		pos += y[i] != 0;
	neg = (double)n - pos;
	json_array_append_new(roc, json_pack("[f,f]", 0.0, 0.0));
	for (size_t i = 0; i < n; i++) {
		if (y[order[i]] != 0)
			tp++;
		else
			fp++;
		bool last_of_tie = i + 1 == n || p[order[i + 1]] != p[order[i]];
		if (last_of_tie && (i >= next || i + 1 == n)) {
			json_array_append_new(roc, json_pack("[f,f,f]", neg ? fp / neg : 0, pos ? tp / pos : 0, p[order[i]]));
			json_array_append_new(pr, json_pack("[f,f,f]", pos ? tp / pos : 0, tp / (tp + fp), p[order[i]]));
			next = i + step;
		}
	}
}

static json_t *calibration(const double *p, const float *y, size_t n)
{
	double sum_p[10] = { 0 }, sum_y[10] = { 0 };
	size_t cnt[10] = { 0 };
	json_t *t = json_array();

	for (size_t i = 0; i < n; i++) {
		int b = (int)(p[i] * 10);
		b = b < 0 ? 0 : b > 9 ? 9 : b;
		sum_p[b] += p[i];
		sum_y[b] += y[i];
		cnt[b]++;
	}
	for (int b = 0; b < 10; b++)
		if (cnt[b])
			json_array_append_new(t, json_pack("{s:f,s:f,s:f,s:f,s:I}", "from", b / 10.0, "to", (b + 1) / 10.0,
							   "mean_predicted", sum_p[b] / (double)cnt[b], "observed_rate",
							   sum_y[b] / (double)cnt[b], "rows", (json_int_t)cnt[b]));
	return t;
}

json_t *model_report(const struct report_input *in)
{
	size_t *order = pp_malloc((in->n + 1) * sizeof(size_t)), *sample = NULL, ns = 0;
	double *mean_abs = pp_calloc(in->cols + 1, sizeof(double)), *phi = pp_calloc(in->cols + 1, sizeof(double));
	double *kept = NULL; /* the summary rows' contributions */
	json_t *roc = json_array(), *pr = json_array(), *rep = NULL, *imp = json_array(), *summary = NULL;
	struct rng g;

	if (!order || !mean_abs || !phi || metric_order(in->p, in->n, order))
		goto out;
	curves(in->p, in->y, order, in->n, roc, pr);
	/* a seeded sample of rows (selection sampling keeps their order) */
	ns = in->n < SHAP_SAMPLE ? in->n : SHAP_SAMPLE;
	if (!(sample = pp_malloc((ns + 1) * sizeof(size_t))) ||
	    !(kept = pp_calloc((SUMMARY_ROWS + 1) * (in->cols + 1), sizeof(double))))
		goto out;
	rng_seed(&g, in->seed ^ 0x5ba9);
	for (size_t i = 0, k = 0; i < in->n && k < ns; i++)
		if (rng_uniform(&g) * (double)(in->n - i) < (double)(ns - k))
			sample[k++] = i;
	for (size_t k = 0; k < ns; k++) {
		if (forest_shap(in->forest, in->x + sample[k] * in->cols, phi))
			goto out;
		for (size_t c = 0; c < in->cols; c++)
			mean_abs[c] += fabs(phi[c]) / (double)ns;
		if (k < SUMMARY_ROWS)
			memcpy(kept + k * (in->cols + 1), phi, (in->cols + 1) * sizeof(double));
	}
	/* importance, largest first; the summary for the top features */
	size_t *rank = pp_malloc((in->cols + 1) * sizeof(size_t));
	if (!rank)
		goto out;
	for (size_t c = 0; c < in->cols; c++)
		rank[c] = c;
	for (size_t a = 1; a < in->cols; a++) /* insertion sort: a few dozen features */
		for (size_t b = a; b > 0 && mean_abs[rank[b]] > mean_abs[rank[b - 1]]; b--) {
			size_t t = rank[b];
			rank[b] = rank[b - 1];
			rank[b - 1] = t;
		}
	for (size_t k = 0; k < in->cols; k++)
		json_array_append_new(imp, json_pack("{s:s,s:f}", "feature", in->names[rank[k]], "mean_abs_shap",
						     mean_abs[rank[k]]));
	summary = json_array();
	for (size_t k = 0; k < in->cols && k < SUMMARY_FEATURES; k++) {
		json_t *vals = json_array(), *shap = json_array();
		for (size_t r = 0; r < ns && r < SUMMARY_ROWS; r++) {
			float v = in->x[sample[r] * in->cols + rank[k]];
			json_array_append_new(vals, isnan(v) ? json_null() : json_real(v));
			json_array_append_new(shap, json_real(kept[r * (in->cols + 1) + rank[k]]));
		}
		json_array_append_new(summary, json_pack("{s:s,s:o,s:o}", "feature", in->names[rank[k]], "values", vals,
							 "shap", shap));
	}
	pp_free(rank);
	rep = json_pack("{s:I,s:o,s:o,s:o,s:I,s:o,s:o}", "test_rows", (json_int_t)in->n, "roc_curve", roc, "pr_curve", pr,
			"calibration", calibration(in->p, in->y, in->n), "shap_rows", (json_int_t)ns, "importance", imp,
			"shap_summary", summary);
	roc = pr = imp = summary = NULL;
out:
	json_decref(roc);
	json_decref(pr);
	json_decref(imp);
	json_decref(summary);
	pp_free(order);
	pp_free(sample);
	pp_free(mean_abs);
	pp_free(phi);
	pp_free(kept);
	return rep;
}

static double num(const json_t *o, const char *a, const char *b)
{
	return json_number_value(json_object_get(json_object_get(o, a), b));
}

static const char *str(const json_t *o, const char *a, const char *b)
{
	const json_t *v = json_object_get(o, a);
	const char *s = json_string_value(b ? json_object_get(v, b) : v);

	return s ? s : "";
}

int model_card(const json_t *meta, const json_t *report, struct buf *b)
{
	static const char *const parts[] = { "train", "valid", "test" };
	const json_t *imp = json_object_get(report, "importance"), *cal = json_object_get(report, "calibration");
	int rc = 0;

	buf_reset(b);
	rc |= buf_printf(b, "# Model %s\n\n", str(meta, "version", NULL));
	rc |= buf_printf(b, "Purchase propensity of a shop session at a prediction point (after an event, before "
			    "its first purchase): the probability that the session buys later. Trained %s by "
			    "`ppredict train` (XGBoost %s) on `%s`.\n\n",
			 str(meta, "created", NULL), str(meta, "xgboost", NULL), str(meta, "matrix", NULL));
	rc |= buf_printf(b, "## Model\n\n- %s, chosen on validation PR-AUC among %zu candidates\n- %zu features "
			    "(feature registry %s)\n- threshold %.4f: F%g on validation\n- quality gate: %s\n",
			 str(meta, "model", NULL), json_array_size(json_object_get(meta, "candidates")),
			 json_array_size(json_object_get(meta, "features")), str(meta, "feature_registry", NULL),
			 num(meta, "threshold", "value"), num(meta, "threshold", "beta"), str(meta, "quality_gate", NULL));
	if (json_is_true(json_object_get(meta, "shuffled_labels")))
		rc |= buf_puts(b, "- **trained on shuffled labels: a leakage check, not a model to serve**\n");
	rc |= buf_printf(b, "\n## Data\n\nSplit: %s. Training from %s, validation from %s, test from %s to %s.\n\n",
			 str(meta, "split", NULL), str(meta, "windows", "train_from"), str(meta, "windows", "valid_from"),
			 str(meta, "windows", "test_from"), str(meta, "windows", "test_to"));
	rc |= buf_puts(b, "| window | rows | positives | ROC-AUC | PR-AUC | log loss | Brier | precision | recall |\n"
			  "|---|---|---|---|---|---|---|---|---|\n");
	for (int p = 0; p < 3; p++) {
		char key[32];
		snprintf(key, sizeof(key), "metrics_%s", parts[p]);
		rc |= buf_printf(b, "| %s | %.0f | %.0f | %.4f | %.4f | %.4f | %.4f | %.4f | %.4f |\n", parts[p],
				 num(meta, key, "rows"), num(meta, key, "positives"), num(meta, key, "roc_auc"),
				 num(meta, key, "pr_auc"), num(meta, key, "logloss"), num(meta, key, "brier"),
				 num(meta, key, "precision"), num(meta, key, "recall"));
	}
	rc |= buf_printf(b, "\nOn the test window the top 10%% of sessions by probability buy %.1f times as often as "
			    "the average (precision %.3f).\n", num(meta, "metrics_test", "lift_top10pct"),
			 num(meta, "metrics_test", "precision_top10pct"));
	if (json_object_get(meta, "oracle"))
		rc |= buf_printf(b, "The data are simulated: the true purchase probabilities given what a model can "
				    "observe reach ROC-AUC %.4f (%s); this model's test ROC-AUC is %.1f%% of that "
				    "ceiling.\n", num(meta, "oracle", "ceiling"),
				 str(meta, "oracle", "ceiling_is"),
				 100 * num(meta, "oracle", "test_roc_auc_share"));
	rc |= buf_puts(b, "\n## What drives it\n\nMean |SHAP| (log-odds) over test rows, the ten largest:\n\n"
			  "| feature | mean abs SHAP |\n|---|---|\n");
	for (size_t i = 0; i < json_array_size(imp) && i < 10; i++)
		rc |= buf_printf(b, "| %s | %.4f |\n", str(json_array_get(imp, i), "feature", NULL),
				 json_number_value(json_object_get(json_array_get(imp, i), "mean_abs_shap")));
	rc |= buf_puts(b, "\n## Calibration (test)\n\n| predicted | mean predicted | observed | rows |\n|---|---|---|---|\n");
	for (size_t i = 0; i < json_array_size(cal); i++) {
		const json_t *c = json_array_get(cal, i);
		rc |= buf_printf(b, "| %.1f-%.1f | %.4f | %.4f | %" JSON_INTEGER_FORMAT " |\n",
				 json_number_value(json_object_get(c, "from")), json_number_value(json_object_get(c, "to")),
				 json_number_value(json_object_get(c, "mean_predicted")),
				 json_number_value(json_object_get(c, "observed_rate")),
				 json_integer_value(json_object_get(c, "rows")));
	}
	rc |= buf_puts(b, "\n## Limits\n\n- Scores describe the test window only; the shop's behaviour drifts "
			  "(`ppredict drift --reference model`).\n- Class weights move probabilities: a weighted "
			  "model ranks well but its probabilities are not calibrated (the table above shows how far).\n"
			  "- Features come from the feature store's definitions of this registry hash; serving with "
			  "other definitions is refused.\n");
	return rc ? PP_ENOMEM : 0;
}
