/* Training (train.h). */
#include "model/train.h"
#include "core/err.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/rng.h"
#include "core/timeutil.h"
#include "features/builder.h"
#include "model/calibrate.h"
#include "model/csv_matrix.h"
#include "model/ensemble.h"
#include "model/forest.h"
#include "model/report.h"
#include "model/matrix.h"
#include "model/metrics.h"
#include "model/model_index.h"
#include "model/split.h"
#include "model/xgb.h"
#include "quality/report_store.h"
#include "sim/sim_points.h"

#include <math.h>

void train_opts_from_config(struct train_opts *o, const struct config *cfg)
{
	*o = (struct train_opts){ .beta = 1, .valid_percent = (int)cfg->train_valid_percent,
				  .search_trials = (int)cfg->train_search_trials,
				  .ensemble_min_positives = (int)cfg->train_ensemble_min_positives,
				  .search_seconds = (int)cfg->train_search_seconds,
				  .test_percent = (int)cfg->train_test_percent, .rounds = (int)cfg->train_rounds,
				  .early_stop = (int)cfg->train_early_stop, .nthread = (int)cfg->train_nthread,
				  .seed = (uint64_t)cfg->train_seed };
}

/* One part's rows, gathered. */
struct part_data {
	float *x, *y;
	size_t n;
	double *p; /* the chosen model's probabilities */
	size_t *order;
};

static int gather(const struct train_matrix *m, const struct split *s, const float *labels, enum part which,
		  struct part_data *d)
{
	int rc = split_gather(m, s, labels, which, &d->x, &d->y, &d->n);

	if (!rc && (!(d->p = pp_malloc((d->n + 1) * sizeof(double))) ||
		    !(d->order = pp_malloc((d->n + 1) * sizeof(size_t)))))
		rc = PP_ENOMEM;
	return rc;
}

static void part_free(struct part_data *d)
{
	pp_free(d->x);
	pp_free(d->y);
	pp_free(d->p);
	pp_free(d->order);
}

/* ROC-AUC, PR-AUC, log loss, Brier, the confusion at threshold, precision at the top. */
static json_t *metrics_json(struct part_data *d, double threshold)
{
	struct confusion c;
	double pos = 0;

	if (metric_order(d->p, d->n, d->order))
		return NULL;
	for (size_t i = 0; i < d->n; i++)
		pos += d->y[i];
	metric_confusion(d->p, d->y, d->n, threshold, &c);
	double base = d->n ? pos / (double)d->n : 0, top1 = metric_precision_at(d->y, d->order, d->n, 1),
	       top5 = metric_precision_at(d->y, d->order, d->n, 5), top10 = metric_precision_at(d->y, d->order, d->n, 10);
	return json_pack("{s:I,s:I,s:f,s:f,s:f,s:f,s:f,s:f,s:f,s:f,s:{s:I,s:I,s:I,s:I},s:f,s:f,s:f,s:f}",
			 "rows", (json_int_t)d->n, "positives", (json_int_t)pos, "base_rate", base,
			 "roc_auc", metric_roc_auc(d->p, d->y, d->order, d->n),
			 "pr_auc", metric_pr_auc(d->p, d->y, d->order, d->n), "logloss", metric_logloss(d->p, d->y, d->n),
			 "brier", metric_brier(d->p, d->y, d->n), "precision", c.precision, "recall", c.recall,
			 "f1", c.f1, "confusion", "tp", (json_int_t)c.tp, "fp", (json_int_t)c.fp, "tn", (json_int_t)c.tn,
			 "fn", (json_int_t)c.fn, "precision_top1pct", isnan(top1) ? 0 : top1,
			 "precision_top5pct", isnan(top5) ? 0 : top5, "precision_top10pct", isnan(top10) ? 0 : top10,
			 "lift_top10pct", base > 0 && !isnan(top10) ? top10 / base : 0);
}

/* A version name from the time: 20261126-004512-123. */
static void version_name(char *out, size_t n)
{
	struct civil c;

	civil_from_ms(time_now_ms(), &c);
	snprintf(out, n, "%04d%02d%02d-%02d%02d%02d-%03d", c.year, c.month, c.day, c.hour, c.min, c.sec, c.ms);
}

static int put_json(struct lake_fs *fs, const char *path, const json_t *j)
{
	char *text = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	struct iovec iov[2];
	int rc;

	if (!text)
		return PP_ENOMEM;
	iov[0] = (struct iovec){ text, strlen(text) };
	iov[1] = (struct iovec){ "\n", 1 };
	rc = fs->ops->put(fs, path, iov, 2, true);
	free(text); /* jansson's */
	return rc;
}

struct newest_truth {
	char path[512];
};

static int truth_seen(void *ctx, const char *path, uint64_t size, int64_t mtime_ms)
{
	struct newest_truth *n = ctx;
	size_t len = strlen(path);

	(void)size;
	(void)mtime_ms;
	if (len > 5 && !strcmp(path + len - 5, ".json") && strstr(path, "/truth-") && strcmp(path, n->path) > 0)
		snprintf(n->path, sizeof(n->path), "%s", path);
	return 0;
}

/*
 * When the lake holds a simulation, its oracles beside the test AUC: the AUC of the true
 * purchase probability given what a model can observe (the ceiling), and given each
 * session's hidden intent (beyond any model), over the simulation and over the test
 * window's sessions (from the points file beside the truth). NULL otherwise.
 */
static json_t *oracle_json(struct lake_fs *fs, double test_auc, int64_t test_from, int64_t test_to)
{
	struct newest_truth n = { "" };
	struct buf b = BUF_INIT;
	struct sim_points_auc w = { 0 };
	json_t *truth, *out = NULL;
	double latent, observable, ceiling;
	bool window = false;

	if (fs->ops->list(fs, "_meta/simulate/", truth_seen, &n) || !n.path[0] ||
	    fs->ops->get(fs, n.path, 0, UINT64_MAX, &b)) {
		pp_error_clear();
		buf_release(&b);
		return NULL;
	}
	truth = json_loadb(b.data ? b.data : "", b.len, 0, NULL);
	latent = json_number_value(json_object_get(truth, "oracle_auc_points"));
	observable = json_number_value(json_object_get(truth, "oracle_auc_observable"));
	json_decref(truth);
	buf_reset(&b);
	/* truth-x.json -> truth-x.points */
	{
		char points[sizeof(n.path) + 8];
		snprintf(points, sizeof(points), "%.*s.points", (int)(strlen(n.path) - 5), n.path);
		if (fs->ops->get(fs, points, 0, UINT64_MAX, &b) == 0) {
			if (sim_points_auc(b.data, b.len, points, test_from, test_to, &w))
				log_warn("%s", pp_errmsg());
			else
				window = w.positives && w.positives < w.points;
		}
		pp_error_clear();
	}
	buf_release(&b);
	ceiling = window ? w.observable : observable > 0.5 ? observable : latent;
	if (!(ceiling > 0.5))
		return NULL;
	out = json_pack("{s:s,s:f,s:f,s:f,s:f,s:s}", "source", n.path, "oracle_auc_points", latent,
			"oracle_auc_observable", observable, "ceiling", ceiling, "test_roc_auc_share",
			test_auc / ceiling, "ceiling_is", window ? "observable oracle on the test window"
				 : observable > 0.5 ? "observable oracle on the whole simulation"
						    : "latent oracle on the whole simulation");
	if (out && window)
		json_object_set_new(out, "test_window",
				    json_pack("{s:I,s:I,s:f,s:f}", "points", (json_int_t)w.points, "positives",
					      (json_int_t)w.positives, "observable", w.observable, "latent", w.latent));
	return out;
}

#define MAX_CANDIDATES 69 /* the five fixed ones and 64 trials at most */

/* One trial of the random search: the best candidate's growth, everything else drawn. */
static void search_params(struct xgb_params *p, struct rng *g, const char *grow_policy)
{
	static const int depths[] = { 3, 4, 5, 6, 7, 8 }, leaves[] = { 15, 31, 63, 127 };
	static const double etas[] = { 0.03, 0.05, 0.1, 0.2 }, mcw[] = { 1, 3, 10, 30 },
			    lambdas[] = { 0.3, 1, 3, 10 };

	p->grow_policy = grow_policy && !strcmp(grow_policy, "lossguide") ? "lossguide" : "depthwise";
	if (!strcmp(p->grow_policy, "lossguide")) {
		p->max_depth = 0;
		p->max_leaves = leaves[rng_below(g, 4)];
	} else {
		p->max_depth = depths[rng_below(g, 6)];
	}
	p->eta = etas[rng_below(g, 4)];
	p->min_child_weight = mcw[rng_below(g, 4)];
	p->lambda = lambdas[rng_below(g, 4)];
	p->subsample = 0.6 + 0.4 * rng_uniform(g);
	p->colsample = 0.5 + 0.5 * rng_uniform(g);
}

struct candidate;
static int try_ensemble(struct candidate *cand, size_t ncand, size_t *best, const struct xgb_data *valid,
			size_t min_positives, json_t **report);

struct candidate {
	struct xgb_params p;
	struct xgb_model m;
	char name[192];
};

#define ENSEMBLE_MAX 3      /* the best tree models blended */
#define ENSEMBLE_GAIN 0.001 /* validation PR-AUC an ensemble must add to be kept */

/* The validation PR-AUC of sigma(sum w_k margin_k). */
static double blend_pr_auc(double *const *margin, const double *w, size_t k, const float *y, size_t n,
			   double *p, size_t *order)
{
	for (size_t i = 0; i < n; i++) {
		double z = 0;
		for (size_t j = 0; j < k; j++)
			z += w[j] * margin[j][i];
		p[i] = 1 / (1 + exp(-z));
	}
	if (metric_order(p, n, order))
		return NAN;
	return metric_pr_auc(p, y, order, n);
}

/*
 * The best tree models (up to three) blended by margin with weights searched on a 0.1
 * grid on validation; when a blend beats the best single model's validation PR-AUC by
 * ENSEMBLE_GAIN, it becomes the chosen model (one XGBoost model: ensemble.h) in cand[*best].
 */
static int try_ensemble(struct candidate *cand, size_t ncand, size_t *best, const struct xgb_data *valid,
			size_t min_positives, json_t **report)
{
	size_t top[ENSEMBLE_MAX], k = 0, n = valid->n;
	double *margin[ENSEMBLE_MAX] = { 0 }, *p = pp_malloc((n + 1) * sizeof(double)), w[ENSEMBLE_MAX],
	       bw[ENSEMBLE_MAX] = { 1 }, single, bestv;
	size_t *order = pp_malloc((n + 1) * sizeof(size_t));
	struct buf json[ENSEMBLE_MAX], merged = BUF_INIT;
	int rc = 0;

	*report = NULL;
	for (size_t j = 0; j < ENSEMBLE_MAX; j++)
		json[j] = (struct buf)BUF_INIT;
	if (!p || !order) {
		rc = PP_ENOMEM;
		goto out;
	}
	for (size_t j = 0; j < ncand; j++) { /* the tree models, best first */
		size_t at = k;
		if (strcmp(cand[j].p.booster, "gbtree"))
			continue;
		while (at > 0 && cand[top[at - 1]].m.best_valid < cand[j].m.best_valid)
			at--;
		if (at >= ENSEMBLE_MAX)
			continue;
		if (k < ENSEMBLE_MAX)
			k++;
		memmove(&top[at + 1], &top[at], (k - 1 - at) * sizeof(*top));
		top[at] = j;
	}
	size_t positives = 0;
	for (size_t i = 0; i < n; i++)
		positives += valid->y[i] != 0;
	if (k < 2 || positives < min_positives) { /* too few to fit weights without fitting noise */
		*report = json_pack("{s:b,s:s}", "used", 0, "why", k < 2 ? "fewer than two tree models"
								 : "too few positives in validation to fit weights");
		goto out;
	}
	for (size_t j = 0; j < k; j++) {
		if (!(margin[j] = pp_malloc((n + 1) * sizeof(double)))) {
			rc = PP_ENOMEM;
			goto out;
		}
		if ((rc = xgb_predict(&cand[top[j]].m, valid, margin[j])))
			goto out;
		for (size_t i = 0; i < n; i++) {
			double q = fmin(fmax(margin[j][i], 1e-12), 1 - 1e-12);
			margin[j][i] = log(q / (1 - q));
		}
	}
	single = bestv = blend_pr_auc(margin, bw, 1, valid->y, n, p, order);
	for (int a = 0; a <= 10; a++) /* the grid: a, b and the rest tenths */
		for (int b = 0; a + b <= 10; b++) {
			if (k == 2 && a + b != 10)
				continue;
			w[0] = a / 10.0;
			w[1] = b / 10.0;
			if (k == 3)
				w[2] = (10 - a - b) / 10.0;
			double v = blend_pr_auc(margin, w, k, valid->y, n, p, order);
			if (v > bestv + 1e-12) {
				bestv = v;
				memcpy(bw, w, sizeof(w));
			}
		}
	/* members weighted 0 leave */
	size_t kept = 0;
	for (size_t j = 0; j < k; j++)
		if (bw[j] > 0) {
			top[kept] = top[j];
			bw[kept++] = bw[j];
		}
	k = kept;
	json_t *members = json_array();
	for (size_t j = 0; j < k; j++)
		json_array_append_new(members, json_pack("{s:s,s:f}", "model", cand[top[j]].name, "weight", bw[j]));
	bool used = bestv > single + ENSEMBLE_GAIN;
	*report = json_pack("{s:b,s:o,s:f,s:f}", "used", used, "members", members, "valid_pr_auc", bestv,
			    "best_single_valid_pr_auc", single);
	if (!used)
		goto out;
	if (k == 1) { /* one model after all: the one the grid liked best */
		*best = top[0];
		goto out;
	}
	/* the blend as one model, in the best single model's place */
	for (size_t j = 0; j < k && !rc; j++)
		rc = xgb_save_json(&cand[top[j]].m, &json[j]);
	if (rc || (rc = ensemble_merge(json, bw, k, &merged)))
		goto out;
	struct xgb_model blended;
	if ((rc = xgb_load_json(&blended, merged.data, merged.len, "the ensemble")))
		goto out;
	struct candidate *c = &cand[top[0]];
	char name[sizeof(c->name)];
	int len = snprintf(name, sizeof(name), "ensemble of %zu:", k);
	for (size_t j = 0; j < k && len < (int)sizeof(name); j++)
		len += snprintf(name + len, sizeof(name) - (size_t)len, "%s %.1f x (%.50s)", j ? "," : "", bw[j],
				cand[top[j]].name);
	xgb_free(&c->m);
	c->m = blended;
	c->m.best_valid = bestv;
	memcpy(c->name, name, sizeof(name));
	*best = top[0];
	log_info("%s: validation PR-AUC %.4f (the best single model: %.4f)", c->name, bestv, single);
out:
	for (size_t j = 0; j < ENSEMBLE_MAX; j++) {
		pp_free(margin[j]);
		buf_release(&json[j]);
	}
	buf_release(&merged);
	pp_free(p);
	pp_free(order);
	return rc;
}

int model_train(struct lake_fs *fs, const struct feature_registry *r, const struct train_opts *o,
		struct model_index *index, json_t **meta_out)
{
	const char *path = o->matrix ? o->matrix : TRAINING_MATRIX;
	struct train_matrix m;
	struct split s = { 0 };
	struct part_data d[PART__COUNT];
	struct candidate cand[MAX_CANDIDATES];
	size_t ncand = 0, best = 0, weight_of = 0;
	float *labels = NULL;
	json_t *meta = NULL, *cands = NULL, *report = NULL, *ensemble = NULL;
	struct buf model_json = BUF_INIT, where = BUF_INIT, card = BUF_INIT;
	char version[40], gate[512] = "passed", xv[16];
	uint64_t t0 = time_mono_ns();
	int rc;

	*meta_out = NULL;
	memset(d, 0, sizeof(d));
	memset(cand, 0, sizeof(cand));
	memset(&m, 0, sizeof(m));
	/* the quality gate first: bad data must not reach a model (the lake's: not for a CSV) */
	if (o->csv) {
		path = o->csv;
		snprintf(gate, sizeof(gate), "not applicable (a file of one's own)");
	} else if ((rc = quality_gate(fs))) {
		if (rc == PP_ENOENT) {
			snprintf(gate, sizeof(gate), "not run (%s)", pp_errmsg());
			log_warn("quality gate %s", gate);
			pp_error_clear();
		} else if (o->no_gate) {
			snprintf(gate, sizeof(gate), "failed, overridden (--no-gate): %s", pp_errmsg());
			log_warn("quality gate %s", gate);
			pp_error_clear();
		} else {
			return pp_error_wrap(rc, "training refused (`ppredict check` for the details; --no-gate trains anyway)");
		}
	}
	if (o->csv) {
		struct csv_matrix_opts co = { o->label, o->time_col, o->group_col, o->seed };
		size_t len = strlen(o->csv);
		rc = len > 8 && !strcmp(o->csv + len - 8, ".parquet") ? matrix_from_parquet(&m, o->csv, &co)
								    : matrix_from_csv(&m, o->csv, &co);
	} else {
		rc = matrix_load(&m, fs, path);
	}
	if (rc)
		goto out;
	if (r && m.registry[0] && strcmp(m.registry, r->hash)) {
		rc = pp_error(PP_EINVAL, "%s was built with feature registry %s, the feature store is %s now: "
			      "run `ppredict features build` again", path, m.registry, r->hash);
		goto out;
	}
	if (!(labels = pp_malloc((m.rows + 1) * sizeof(float)))) {
		rc = PP_ENOMEM;
		goto out;
	}
	memcpy(labels, m.labels, m.rows * sizeof(float));
	if (o->shuffle_labels) { /* Fisher-Yates, seeded: what a model learns then is leakage */
		struct rng g;
		rng_seed(&g, o->seed ^ 0x5eed);
		for (size_t i = m.rows; i > 1; i--) {
			size_t j = (size_t)rng_below(&g, i);
			float t = labels[i - 1];
			labels[i - 1] = labels[j];
			labels[j] = t;
		}
	}
	struct train_matrix view = m;
	view.labels = labels;
	if ((rc = split_by_time(&view, o->valid_percent / 100.0, o->test_percent / 100.0, &s)))
		goto out;
	for (int p = 0; p < PART__COUNT; p++)
		if (!s.positives[p] || s.positives[p] == s.n[p]) {
			rc = pp_error(PP_EINVAL, "%s: the %s window (%zu rows) has %zu positives: both classes are "
				      "needed in each window (more data, or other train.*_percent)", path,
				      part_name((enum part)p), s.n[p], s.positives[p]);
			goto out;
		}
	for (int p = 0; p < PART__COUNT && !rc; p++)
		rc = gather(&m, &s, labels, (enum part)p, &d[p]);
	if (rc)
		goto out;
	log_info("%zu rows: %zu train, %zu valid, %zu test (%.1f s)", m.rows, s.n[0], s.n[1], s.n[2],
		 (double)(time_mono_ns() - t0) / 1e9);

	/* candidates: depth-wise trees under three class weights, then the best weight's
	 * leaf-wise trees and a linear baseline */
	double neg_pos = (double)(s.n[PART_TRAIN] - s.positives[PART_TRAIN]) / (double)s.positives[PART_TRAIN];
	const double weights[3] = { 1, sqrt(neg_pos), neg_pos };
	struct xgb_data train = { d[PART_TRAIN].x, d[PART_TRAIN].y, d[PART_TRAIN].n, m.cols };
	struct xgb_data valid = { d[PART_VALID].x, d[PART_VALID].y, d[PART_VALID].n, m.cols };
	struct rng search;
	uint64_t search_until = o->search_seconds ? time_mono_ns() + (uint64_t)o->search_seconds * 1000000000ull : 0;
	int total = 5 + o->search_trials;
	rng_seed(&search, o->seed ^ 0x5ea2c4);
	for (int k = 0; k < total && k < MAX_CANDIDATES && !rc; k++) {
		struct candidate *c = &cand[ncand];
		if (k >= 5 && search_until && time_mono_ns() > search_until) {
			log_info("the search's time is up after %d trials (train.search_seconds)", k - 5);
			break;
		}
		xgb_params_default(&c->p);
		c->p.seed = o->seed;
		c->p.nthread = o->nthread;
		c->p.rounds = o->rounds;
		c->p.early_stop = o->early_stop;
		c->p.scale_pos_weight = k < 3 ? weights[k] : cand[weight_of].p.scale_pos_weight;
		if (k == 3) {
			c->p.grow_policy = "lossguide";
			c->p.max_depth = 0;
			c->p.max_leaves = 31;
		} else if (k == 4) {
			c->p.booster = "gblinear";
			c->p.eta = 0.5;
		}
		if (k >= 5) { /* random search around the best trees */
			search_params(&c->p, &search, cand[best].p.grow_policy);
			int n = snprintf(c->name, sizeof(c->name), "search %d: ", k - 4);
			xgb_params_name(&c->p, c->name + n, sizeof(c->name) - (size_t)n);
			n = (int)strlen(c->name);
			snprintf(c->name + n, sizeof(c->name) - (size_t)n, ", eta %g, min_child_weight %g, lambda %g, "
				 "subsample %.2f, colsample %.2f", c->p.eta, c->p.min_child_weight, c->p.lambda,
				 c->p.subsample, c->p.colsample);
		} else {
			xgb_params_name(&c->p, c->name, sizeof(c->name));
		}
		if ((rc = xgb_train(&c->p, &train, &valid, &c->m)))
			break;
		log_info("%s: validation PR-AUC %.4f after %d rounds (%.1f s)", c->name, c->m.best_valid,
			 c->m.rounds, (double)(time_mono_ns() - t0) / 1e9);
		if (k < 3 && c->m.best_valid > cand[weight_of].m.best_valid)
			weight_of = ncand;
		if (c->m.best_valid > cand[best].m.best_valid || ncand == 0)
			best = ncand;
		ncand++;
	}
	if (rc || (rc = try_ensemble(cand, ncand, &best, &valid, (size_t)o->ensemble_min_positives, &ensemble)))
		goto out;

	/* the threshold on validation, the metrics on all three */
	struct candidate *win = &cand[best];
	double threshold, fbest;
	for (int p = 0; p < PART__COUNT && !rc; p++) {
		struct xgb_data x = { d[p].x, d[p].y, d[p].n, m.cols };
		rc = xgb_predict(&win->m, &x, d[p].p);
	}
	if (rc)
		goto out;
	/* Platt scaling, fitted on validation, kept when it lowers validation's log loss */
	struct platt cal = { 1, 0 };
	double ll_raw = metric_logloss(d[PART_VALID].p, d[PART_VALID].y, d[PART_VALID].n), ll_cal = ll_raw;
	bool calibrated = false;
	if (platt_fit(d[PART_VALID].p, d[PART_VALID].y, d[PART_VALID].n, &cal) == 0) {
		double sum = 0;
		for (size_t i = 0; i < d[PART_VALID].n; i++) {
			double q = fmin(fmax(platt_apply(&cal, d[PART_VALID].p[i]), 1e-15), 1 - 1e-15);
			sum -= d[PART_VALID].y[i] != 0 ? log(q) : log1p(-q);
		}
		ll_cal = d[PART_VALID].n ? sum / (double)d[PART_VALID].n : ll_raw;
		calibrated = ll_cal < ll_raw;
	}
	pp_error_clear();
	for (int p = 0; calibrated && p < PART__COUNT; p++)
		for (size_t i = 0; i < d[p].n; i++)
			d[p].p[i] = platt_apply(&cal, d[p].p[i]);
	if ((rc = metric_order(d[PART_VALID].p, d[PART_VALID].n, d[PART_VALID].order)))
		goto out;
	threshold = metric_best_threshold(d[PART_VALID].p, d[PART_VALID].y, d[PART_VALID].order, d[PART_VALID].n,
					  o->beta, &fbest);
	double reached = NAN;
	const char *rule = "fbeta";
	if (o->precision > 0 || o->recall > 0) { /* a target instead of the best F-beta */
		rule = o->precision > 0 ? "precision" : "recall";
		threshold = metric_threshold_for(d[PART_VALID].p, d[PART_VALID].y, d[PART_VALID].order, d[PART_VALID].n,
						 o->precision > 0, o->precision > 0 ? o->precision : o->recall, &reached);
		if (isnan(reached))
			log_warn("no threshold reaches validation %s %.3f: nothing is flagged (threshold 1)", rule,
				 o->precision > 0 ? o->precision : o->recall);
	}
	if ((rc = xgb_save_json(&win->m, &model_json)))
		goto out;

	cands = json_array();
	for (size_t k = 0; k < ncand; k++)
		json_array_append_new(cands, json_pack("{s:s,s:f,s:i,s:b}", "model", cand[k].name, "valid_pr_auc",
						       cand[k].m.best_valid, "rounds", cand[k].m.rounds, "chosen",
						       k == best));
	char t_min[32], t_valid[32], t_test[32], t_max[32], created[32];
	json_t *features = json_array();
	for (size_t c = 0; c < m.cols; c++)
		json_array_append_new(features, json_string(m.names[c]));
	time_format_rfc3339(s.t_min, t_min);
	time_format_rfc3339(s.t_valid, t_valid);
	time_format_rfc3339(s.t_test, t_test);
	time_format_rfc3339(s.t_max, t_max);
	time_format_rfc3339(time_now_ms(), created);
	xgb_version(xv, sizeof(xv));
	version_name(version, sizeof(version));
	meta = json_pack("{s:s,s:s,s:s,s:o,s:s,s:s,s:{s:s,s:s,s:s,s:s},s:{s:I,s:I,s:I},s:{s:I,s:I,s:I},"
			 "s:o,s:s,s:{s:f,s:f,s:f},s:o,s:o,s:o,s:b,s:s,s:f}",
			 "version", version, "created", created, "matrix", path, "features", features,
			 "feature_registry", m.registry, "xgboost", xv,
			 "windows", "train_from", t_min, "valid_from", t_valid, "test_from", t_test, "test_to", t_max,
			 "rows", "train", (json_int_t)s.n[0], "valid", (json_int_t)s.n[1], "test", (json_int_t)s.n[2],
			 "positives", "train", (json_int_t)s.positives[0], "valid", (json_int_t)s.positives[1], "test",
			 (json_int_t)s.positives[2], "candidates", cands, "model", win->name,
			 "threshold", "value", threshold, "beta", o->beta, "valid_fbeta", fbest,
			 "metrics_test", metrics_json(&d[PART_TEST], threshold),
			 "metrics_valid", metrics_json(&d[PART_VALID], threshold),
			 "metrics_train", metrics_json(&d[PART_TRAIN], threshold), "shuffled_labels", o->shuffle_labels,
			 "quality_gate", gate, "seconds", (double)(time_mono_ns() - t0) / 1e9);
	cands = NULL;
	if (!meta) {
		rc = PP_ENOMEM;
		goto out;
	}
	json_object_set_new(meta, "split", json_string(o->csv && !o->time_col ? "random (seeded)" : "time"));
	{ /* how the threshold was chosen */
		json_t *th = json_object_get(meta, "threshold");
		json_object_set_new(th, "rule", json_string(rule));
		if (strcmp(rule, "fbeta"))
			json_object_set_new(th, "target", json_real(o->precision > 0 ? o->precision : o->recall));
		if (strcmp(rule, "fbeta"))
			json_object_set_new(th, "valid_reached", isnan(reached) ? json_null() : json_real(reached));
	}
	if (ensemble)
		json_object_set(meta, "ensemble", ensemble);
	json_object_set_new(meta, "calibration", json_pack("{s:s,s:f,s:f,s:f,s:f}", "method", calibrated ? "platt" : "none",
							   "a", cal.a, "b", cal.b, "valid_logloss_raw", ll_raw,
							   "valid_logloss_calibrated", ll_cal));
	json_t *oracle = o->csv ? NULL : oracle_json(fs, json_number_value(json_object_get(json_object_get(meta,
									"metrics_test"), "roc_auc")), s.t_test, s.t_max);
	if (oracle)
		json_object_set_new(meta, "oracle", oracle);
	/* the report (curves, calibration, importance by the native engine's TreeSHAP) and card */
	struct forest forest;
	if ((rc = forest_load_json(&forest, model_json.data, model_json.len, "the new model")))
		goto out;
	struct report_input ri = { &forest, d[PART_TEST].x, d[PART_TEST].y, d[PART_TEST].p, d[PART_TEST].n, m.cols,
				   (const char *const *)m.names, o->seed };
	report = model_report(&ri);
	forest_release(&forest);
	if (!report || (rc = model_card(meta, report, &card))) {
		rc = rc ? rc : PP_ENOMEM;
		goto out;
	}
	/* the model, its report and card, then its meta (what makes the version whole), each
	 * written atomically */
	struct iovec iov = { model_json.data, model_json.len };
	buf_printf(&where, "%s/%s/model.json", MODELS_DIR, version);
	if ((rc = fs->ops->put(fs, where.data, &iov, 1, true)))
		goto out;
	buf_reset(&where);
	buf_printf(&where, "%s/%s/report.json", MODELS_DIR, version);
	if ((rc = put_json(fs, where.data, report)))
		goto out;
	buf_reset(&where);
	buf_printf(&where, "%s/%s/model_card.md", MODELS_DIR, version);
	iov = (struct iovec){ card.data, card.len };
	if ((rc = fs->ops->put(fs, where.data, &iov, 1, true)))
		goto out;
	buf_reset(&where);
	buf_printf(&where, "%s/%s/meta.json", MODELS_DIR, version);
	if ((rc = put_json(fs, where.data, meta)) || (index && (rc = model_index_add(index, meta))))
		goto out;
	*meta_out = meta;
	meta = NULL;
out:
	json_decref(meta);
	json_decref(cands);
	json_decref(report);
	json_decref(ensemble);
	buf_release(&card);
	for (size_t k = 0; k < ncand + 1 && k < MAX_CANDIDATES; k++)
		xgb_free(&cand[k].m);
	for (int p = 0; p < PART__COUNT; p++)
		part_free(&d[p]);
	split_release(&s);
	pp_free(labels);
	matrix_release(&m);
	buf_release(&model_json);
	buf_release(&where);
	return rc;
}
