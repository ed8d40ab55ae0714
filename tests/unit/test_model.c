/* The model pieces: metrics against scikit-learn's (tests/data/model/metrics.csv and the
 * script that made it) and hand-made cases, training matrices parsed and refused, time
 * splits that keep sessions whole. */
#include "core/err.h"
#include "core/fsutil.h"
#include "core/mem.h"
#include "features/builder.h"
#include "core/rng.h"
#include "model/calibrate.h"
#include "model/ensemble.h"
#include "model/forest.h"
#include "model/shap_table.h"
#include "model/matrix.h"
#include "model/metrics.h"
#include "model/split.h"
#include "model/xgb.h"
#include "unit/test.h"

#include <math.h>

/* Space-separated numbers of s into out (at most max); their count. */
static size_t numbers(const char *s, double *out, size_t max)
{
	size_t n = 0;
	char *end;

	while (n < max) {
		double x = strtod(s, &end);
		if (end == s)
			break;
		out[n++] = x;
		s = end;
	}
	return n;
}

static void check_case(const double *p, const float *y, size_t n, double auc, double ap, double ll, double brier)
{
	size_t *order = pp_malloc(n * sizeof(size_t));

	CHECK_INT(metric_order(p, n, order), 0);
	for (size_t i = 1; i < n; i++)
		CHECK(p[order[i - 1]] >= p[order[i]]);
	CHECK_NEAR(metric_roc_auc(p, y, order, n), auc, 1e-12);
	CHECK_NEAR(metric_pr_auc(p, y, order, n), ap, 1e-12);
	if (!isnan(ll))
		CHECK_NEAR(metric_logloss(p, y, n), ll, 1e-12);
	if (!isnan(brier))
		CHECK_NEAR(metric_brier(p, y, n), brier, 1e-12);
	pp_free(order);
}

TEST(model_metrics_match_scikit_learn)
{
	const char *root = getenv("PPREDICT_ROOT");
	struct buf text = BUF_INIT;
	char path[1024];
	int cases = 0;

	CHECK(root);
	snprintf(path, sizeof(path), "%s/tests/data/model/metrics.csv", root);
	CHECK_INT(fs_read_file(path, &text), 0);
	for (char *line = strchr(text.data, '\n') + 1, *nl; line && *line; line = nl) {
		double ref[4], *p = pp_malloc(4096 * sizeof(double)), *yd = pp_malloc(4096 * sizeof(double));
		float *y = pp_malloc(4096 * sizeof(float));
		char *c = line;
		size_t n, ny;
		if ((nl = strchr(line, '\n')))
			*nl++ = 0;
		for (int k = 0; k < 4; k++) {
			ref[k] = strtod(c, &c);
			CHECK(*c == ',');
			c++;
		}
		n = numbers(c, p, 4096);
		CHECK((c = strchr(c, ',')) != NULL);
		ny = numbers(c + 1, yd, 4096);
		CHECK_INT(ny, n);
		for (size_t i = 0; i < n; i++)
			y[i] = (float)yd[i];
		check_case(p, y, n, ref[0], ref[1], ref[2], ref[3]);
		cases++;
		pp_free(p);
		pp_free(yd);
		pp_free(y);
	}
	CHECK_INT(cases, 4);
	buf_release(&text);
}

TEST(model_metrics_by_hand)
{
	const double p[4] = { 0.9, 0.8, 0.7, 0.6 }, tied[4] = { 0.5, 0.5, 0.5, 0.5 };
	const float y[4] = { 1, 0, 1, 0 };
	size_t order[4];
	struct confusion c;
	double best;

	/* positives beat 3 of the 4 negative pairs; precision 1 at recall .5, 2/3 at 1 */
	check_case(p, y, 4, 0.75, 0.5 + 0.5 * 2.0 / 3, NAN, NAN);
	check_case(tied, y, 4, 0.5, 0.5, NAN, NAN);
	metric_confusion(p, y, 4, 0.7, &c);
	CHECK(c.tp == 2 && c.fp == 1 && c.fn == 0 && c.tn == 1);
	CHECK_NEAR(c.f1, 0.8, 1e-12);
	CHECK_INT(metric_order(p, 4, order), 0);
	CHECK_NEAR(metric_best_threshold(p, y, order, 4, 1, &best), 0.7, 0);
	CHECK_NEAR(best, 0.8, 1e-12);
	CHECK_NEAR(metric_precision_at(y, order, 4, 25), 1, 0);
	CHECK_NEAR(metric_precision_at(y, order, 4, 50), 0.5, 0);
	/* thresholds for a target: precision 1, 1/2, 2/3, 1/2 and recall 1/2, 1/2, 1, 1 going down */
	double reached;
	CHECK_NEAR(metric_threshold_for(p, y, order, 4, true, 0.6, &reached), 0.7, 0); /* the most recall */
	CHECK_NEAR(reached, 2.0 / 3, 1e-12);
	CHECK_NEAR(metric_threshold_for(p, y, order, 4, true, 0.99, &reached), 0.9, 0);
	CHECK_NEAR(metric_threshold_for(p, y, order, 4, false, 1, &reached), 0.7, 0); /* the highest */
	CHECK_NEAR(metric_threshold_for(p, y, order, 4, false, 0.5, &reached), 0.9, 0);
	CHECK_NEAR(reached, 0.5, 0);
	const float none[4] = { 0, 0, 0, 0 };
	CHECK_NEAR(metric_threshold_for(p, none, order, 4, true, 0.5, &reached), 1, 0); /* nothing flagged */
	CHECK(isnan(reached));
	/* one class only: no AUC */
	const float ones[4] = { 1, 1, 1, 1 };
	CHECK(isnan(metric_roc_auc(p, ones, order, 4)));
}

/* A matrix of rows x 2 in memory: row i at time 1000 * i, session i / 3, label i % 4 == 0. */
static void make_matrix(struct buf *b, size_t rows)
{
	buf_reset(b);
	buf_printf(b, "%s\n{\"rows\": %zu, \"cols\": 2, \"features\": [\"a\", \"b\"], \"registry\": \"0123456789abcdef\"}\n",
		   TRAINING_MATRIX_MAGIC, rows);
	for (size_t i = 0; i < rows; i++) {
		float l = i % 4 == 0;
		buf_append(b, &l, 4);
	}
	for (size_t i = 0; i < rows; i++) {
		int64_t t = 1000 * (int64_t)i;
		buf_append(b, &t, 8);
	}
	for (size_t i = 0; i < rows; i++) {
		uint64_t g = 77 + i / 3;
		buf_append(b, &g, 8);
	}
	for (size_t i = 0; i < rows; i++) {
		float v[2] = { (float)i, i % 5 ? -(float)i : NAN };
		buf_append(b, v, 8);
	}
}

TEST(model_matrix_parse_and_split)
{
	struct buf b = BUF_INIT;

	for (size_t rows = 99; rows <= 100; rows++) { /* an odd count moves the 8-byte sections */
		struct train_matrix m;
		struct split s;
		make_matrix(&b, rows);
		CHECK_INT(matrix_parse(&m, &b, "m"), 0);
		CHECK(m.rows == rows && m.cols == 2 && !strcmp(m.names[1], "b") && !strcmp(m.registry, "0123456789abcdef"));
		CHECK(((uintptr_t)m.ts & 7) == 0 && ((uintptr_t)m.group & 7) == 0);
		for (size_t i = 0; i < rows; i++) {
			CHECK(m.labels[i] == (i % 4 == 0) && m.ts[i] == 1000 * (int64_t)i && m.group[i] == 77 + i / 3);
			CHECK(m.values[2 * i] == (float)i && (i % 5 ? m.values[2 * i + 1] == -(float)i : isnan(m.values[2 * i + 1])));
		}
		CHECK_INT(split_by_time(&m, 0.1, 0.2, &s), 0);
		CHECK_INT(s.n[0] + s.n[1] + s.n[2], rows);
		for (size_t i = 0; i < rows; i++) { /* a session on one side; parts follow time */
			CHECK(s.part[i] == s.part[i - i % 3]);
			if (i)
				CHECK(s.part[i] >= s.part[i - 1]);
			int64_t first = 1000 * (int64_t)(i - i % 3);
			CHECK(s.part[i] == (first >= s.t_test ? PART_TEST : first >= s.t_valid ? PART_VALID : PART_TRAIN));
		}
		CHECK(s.n[PART_TEST] > s.n[PART_VALID] && s.n[PART_VALID] > 0);
		split_release(&s);
		matrix_release(&m);
	}
	/* refused, named */
	make_matrix(&b, 10);
	b.len -= 3;
	struct train_matrix m;
	CHECK_INT(matrix_parse(&m, &b, "cut.matrix"), PP_ECORRUPT);
	CHECK_CONTAINS(pp_errmsg(), "cut.matrix: 277 bytes of data, expected 280 for 10 rows of 2 features");
	buf_reset(&b);
	buf_puts(&b, "PPMATRIX1\n{}\n");
	CHECK_INT(matrix_parse(&m, &b, "old.matrix"), PP_ECORRUPT);
	CHECK_CONTAINS(pp_errmsg(), "does not start with PPMATRIX2");
	make_matrix(&b, 8);
	float two = 2;
	memcpy(strchr(strchr(b.data, '\n') + 1, '\n') + 1 + 4, &two, 4);
	CHECK_INT(matrix_parse(&m, &b, "l.matrix"), PP_ECORRUPT);
	CHECK_CONTAINS(pp_errmsg(), "row 1: label 2, expected 0 or 1");
	buf_release(&b);
}

/* Synthetic rows: 6 features (some missing), a label from their interactions. */
static void synthetic(float *x, float *y, size_t n, uint64_t seed)
{
	struct rng g;

	rng_seed(&g, seed);
	for (size_t i = 0; i < n; i++) {
		float *r = x + i * 6;
		for (int k = 0; k < 6; k++)
			r[k] = rng_chance(&g, 0.1) ? NAN : (float)rng_uniform(&g) * (k + 1);
		double z = -1 + (isnan(r[0]) ? 0.5 : r[0] * 1.5) - (isnan(r[1]) ? 0 : r[1] * r[2] * 0.3) +
			   (r[3] > 2 ? 1 : 0) + 0.2 * rng_uniform(&g);
		y[i] = rng_uniform(&g) < 1 / (1 + exp(-z));
	}
}

TEST(model_forest_matches_xgboost)
{
	enum { N = 12600, TEST_ROWS = 10000 };
	float *x = pp_malloc(N * 6 * sizeof(float)), *y = pp_malloc(N * sizeof(float));
	double *want = pp_malloc(TEST_ROWS * 7 * sizeof(double)), *p = pp_malloc(TEST_ROWS * sizeof(double));
	struct xgb_data train = { x, y, 2000, 6 }, valid = { x + 2000 * 6, y + 2000, 600, 6 },
			test = { x + 2600 * 6, y + 2600, TEST_ROWS, 6 };
	struct buf json = BUF_INIT;

	synthetic(x, y, N, 3);
	for (int kind = 0; kind < 4; kind++) { /* depth-wise, leaf-wise, linear, dart */
		struct xgb_params prm;
		struct xgb_model m;
		struct forest f;
		double phi[7];
		xgb_params_default(&prm);
		prm.rounds = 40;
		prm.early_stop = 1000;
		prm.nthread = 1;
		if (kind == 1) {
			prm.grow_policy = "lossguide";
			prm.max_depth = 0;
			prm.max_leaves = 15;
		} else if (kind == 2) {
			prm.booster = "gblinear";
			prm.eta = 0.5;
		} else if (kind == 3) {
			prm.booster = "dart";
		}
		CHECK_INT(xgb_train(&prm, &train, &valid, &m), 0);
		CHECK_INT(xgb_save_json(&m, &json), 0);
		CHECK_INT(forest_load_json(&f, json.data, json.len, "t.json"), 0);
		CHECK_INT(f.nfeatures, 6);
		CHECK(kind == 2 ? f.linear : f.ntrees > 0 && f.max_depth > 0 && f.shap != NULL);
		CHECK_INT(xgb_predict(&m, &test, p), 0);
		double inplace[3];
		if (kind != 2) { /* the other way in (not for linear models) */
			CHECK_INT(xgb_predict_inplace(&m, test.x, 3, 6, inplace), 0);
			for (int i = 0; i < 3; i++)
				CHECK_NEAR(inplace[i], p[i], 1e-7);
		} else {
			CHECK_INT(xgb_predict_inplace(&m, test.x, 3, 6, inplace), PP_EIO);
			CHECK(!strchr(pp_errmsg(), '\n')); /* XGBoost's first line, not its stack */
		}
		CHECK_INT(xgb_contribs(&m, &test, want), 0);
		for (size_t i = 0; i < TEST_ROWS; i++) {
			const float *r = test.x + i * 6;
			double sum = 0;
			CHECK_NEAR(forest_predict(&f, r), p[i], 1e-6);
			CHECK_INT(forest_shap(&f, r, phi), 0);
			for (int k = 0; k <= 6; k++) {
				sum += phi[k];
				if (fabs(phi[k] - want[i * 7 + k]) > 1e-5 * fmax(1, fabs(want[i * 7 + k])))
					test_fail(__FILE__, __LINE__, "model %d, row %zu: feature %d's contribution %.9g, "
						  "XGBoost's %.9g", kind, i, k, phi[k], want[i * 7 + k]);
			}
			CHECK_NEAR(sum, forest_margin(&f, r), 1e-4); /* they add up to the margin */
			if (f.shap && i < 500) { /* the table and the recursion agree */
				struct shap_table *tab = f.shap;
				double rec[7];
				f.shap = NULL;
				CHECK_INT(forest_shap(&f, r, rec), 0);
				f.shap = tab;
				for (int k = 0; k <= 6; k++)
					CHECK_NEAR(phi[k], rec[k], 1e-5 * fmax(1, fabs(rec[k])));
			}
		}
		forest_release(&f);
		xgb_free(&m);
	}
	/* refused, named */
	struct forest f;
	const char *bad_obj = "{\"learner\":{\"objective\":{\"name\":\"reg:squarederror\"}}}";
	CHECK_INT(forest_load_json(&f, bad_obj, strlen(bad_obj), "r.json"), PP_ECORRUPT);
	CHECK_CONTAINS(pp_errmsg(), "objective reg:squarederror");
	const char *bad_child = "{\"learner\":{\"objective\":{\"name\":\"binary:logistic\"},"
				"\"learner_model_param\":{\"base_score\":\"5E-1\",\"num_feature\":\"2\"},"
				"\"gradient_booster\":{\"name\":\"gbtree\",\"model\":{\"trees\":[{\"left_children\":[5,-1,-1],"
				"\"right_children\":[2,-1,-1],\"split_conditions\":[1,0.5,-0.5],\"split_indices\":[0,0,0],"
				"\"default_left\":[1,0,0],\"sum_hessian\":[2,1,1]}]}}}}";
	CHECK_INT(forest_load_json(&f, bad_child, strlen(bad_child), "c.json"), PP_ECORRUPT);
	CHECK_CONTAINS(pp_errmsg(), "c.json: tree 0: a child index out of order or out of range, or a node with two parents");
	CHECK_INT(forest_load_json(&f, "{", 1, "x.json"), PP_ECORRUPT);
	/* a tree that is one leaf (labels without signal make them) beside one split */
	const char *stump = "{\"learner\":{\"objective\":{\"name\":\"binary:logistic\"},"
			    "\"learner_model_param\":{\"base_score\":\"5E-1\",\"num_feature\":\"2\"},"
			    "\"gradient_booster\":{\"name\":\"gbtree\",\"model\":{\"trees\":["
			    "{\"left_children\":[-1],\"right_children\":[-1],\"split_conditions\":[0.3],"
			    "\"split_indices\":[0],\"default_left\":[0],\"sum_hessian\":[10]},"
			    "{\"left_children\":[1,-1,-1],\"right_children\":[2,-1,-1],\"split_conditions\":[0.5,0.2,-0.4],"
			    "\"split_indices\":[1,0,0],\"default_left\":[1,0,0],\"sum_hessian\":[10,4,6]}]}}}}";
	const float row[2] = { 0, 0.7f };
	double phi2[3];
	CHECK_INT(forest_load_json(&f, stump, strlen(stump), "s.json"), 0);
	CHECK(f.shap != NULL);
	CHECK_INT(forest_shap(&f, row, phi2), 0);
	CHECK_NEAR(phi2[0], 0, 1e-12);
	CHECK_NEAR(phi2[1], -0.4 - (4 * 0.2 - 6 * 0.4) / 10, 1e-6); /* the leaf less the tree's mean */
	CHECK_NEAR(phi2[0] + phi2[1] + phi2[2], forest_margin(&f, row), 1e-6);
	forest_release(&f);
	buf_release(&json);
	pp_free(x);
	pp_free(y);
	pp_free(want);
	pp_free(p);
}

TEST(model_platt_recovers_the_scaling)
{
	enum { N = 40000 };
	double *p = pp_malloc(N * sizeof(double));
	float *y = pp_malloc(N * sizeof(float));
	struct platt c;
	struct rng g;

	rng_seed(&g, 9);
	for (size_t i = 0; i < N; i++) { /* the model says sigmoid(z); the truth is sigmoid(2z - 1) */
		double z = (rng_uniform(&g) - 0.5) * 8;
		p[i] = 1 / (1 + exp(-z));
		y[i] = rng_uniform(&g) < 1 / (1 + exp(-(2 * z - 1)));
	}
	CHECK_INT(platt_fit(p, y, N, &c), 0);
	CHECK_NEAR(c.a, 2, 0.1);
	CHECK_NEAR(c.b, -1, 0.1);
	CHECK_NEAR(platt_apply(&c, 0.5), 1 / (1 + exp(-c.b)), 1e-12);
	CHECK(platt_apply(&c, 0.9) > platt_apply(&c, 0.8)); /* the order stays */
	for (size_t i = 0; i < N; i++)
		y[i] = 0;
	CHECK_INT(platt_fit(p, y, N, &c), PP_EINVAL);
	pp_free(p);
	pp_free(y);
}

TEST(model_forest_reasons_rank)
{
	struct forest f = { .nfeatures = 6 };
	const double phi[7] = { 0.1, -0.5, 0, 0.3, -0.3, 0.05, 9 };
	const float x[6] = { 1, 2, 3, NAN, 5, 6 };
	struct forest_reason r[4];

	CHECK_INT(forest_reasons(&f, x, phi, 3, r), 3);
	CHECK(r[0].feature == 1 && r[0].shap == -0.5 && r[0].value == 2);
	CHECK(r[1].feature == 3 && isnan(r[1].value)); /* ties: the lower feature first */
	CHECK(r[2].feature == 4);
	CHECK_INT(forest_reasons(&f, x, phi, 4, r), 4);
	CHECK(r[3].feature == 0);
	const double zero[7] = { 0 };
	CHECK_INT(forest_reasons(&f, x, zero, 3, r), 0); /* the bias is not a reason */
}

TEST(model_ensemble_merges_margins)
{
	enum { N = 3000 };
	float *x = pp_malloc(N * 6 * sizeof(float)), *y = pp_malloc(N * sizeof(float));
	struct xgb_data train = { x, y, 2000, 6 }, valid = { x + 2000 * 6, y + 2000, 1000, 6 };
	struct buf json[2] = { BUF_INIT, BUF_INIT }, merged = BUF_INIT;
	struct xgb_model m[2], e;
	struct forest f[2], fe;
	const double w[2] = { 0.3, 0.7 };
	double p[1000];

	synthetic(x, y, N, 5);
	for (int k = 0; k < 2; k++) {
		struct xgb_params prm;
		xgb_params_default(&prm);
		prm.rounds = 20 + 15 * k;
		prm.early_stop = 1000;
		prm.nthread = 1;
		prm.max_depth = 3 + k;
		CHECK_INT(xgb_train(&prm, &train, &valid, &m[k]), 0);
		CHECK_INT(xgb_save_json(&m[k], &json[k]), 0);
		CHECK_INT(forest_load_json(&f[k], json[k].data, json[k].len, "m"), 0);
	}
	CHECK_INT(ensemble_merge(json, w, 2, &merged), 0);
	CHECK_INT(xgb_load_json(&e, merged.data, merged.len, "merged"), 0); /* XGBoost reads it */
	CHECK_INT(e.rounds, m[0].rounds + m[1].rounds);
	CHECK_INT(xgb_predict(&e, &valid, p), 0);
	CHECK_INT(forest_load_json(&fe, merged.data, merged.len, "merged"), 0);
	for (size_t i = 0; i < 1000; i++) {
		const float *r = valid.x + i * 6;
		double margin = w[0] * forest_margin(&f[0], r) + w[1] * forest_margin(&f[1], r);
		CHECK_NEAR(p[i], 1 / (1 + exp(-margin)), 1e-6);
		CHECK_NEAR(forest_predict(&fe, r), p[i], 1e-6);
	}
	/* refused: weights that do not add up, a member that is not trees */
	const double bad[2] = { 0.5, 0.6 };
	CHECK_INT(ensemble_merge(json, bad, 2, &merged), PP_EINVAL);
	struct buf lin = BUF_INIT;
	buf_puts(&lin, "{\"learner\":{\"gradient_booster\":{\"name\":\"gblinear\"}}}");
	struct buf pair[2] = { json[0], lin };
	CHECK_INT(ensemble_merge(pair, w, 2, &merged), PP_EINVAL);
	CHECK_CONTAINS(pp_errmsg(), "member 1 is not a binary:logistic gbtree model");
	for (int k = 0; k < 2; k++) {
		forest_release(&f[k]);
		xgb_free(&m[k]);
		buf_release(&json[k]);
	}
	forest_release(&fe);
	xgb_free(&e);
	buf_release(&merged);
	buf_release(&lin);
	pp_free(x);
	pp_free(y);
}
