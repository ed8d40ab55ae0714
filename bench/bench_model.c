/*
 * bench_model - the native inference engine against XGBoost, in one run: a 300-tree,
 * depth-6 model on 40 synthetic features (missing values included), then per row the
 * native prediction (goal <= 2 us, >= 10x XGBoost's in-place predict called the same way,
 * one row at a time), batch throughput, TreeSHAP for one row (goal <= 100 us, >= 30x
 * XGBoost's contributions for one row), and XGBoost's training time on 1M rows (the
 * trainer's settings: hist, two threads).
 */
#include "bench.h"
#include "core/err.h"
#include "core/mem.h"
#include "core/numsort.h"
#include "core/rng.h"
#include "model/forest.h"
#include "model/xgb.h"

#include <math.h>

#define COLS 40
#define TRAIN_ROWS 1000000
#define ROWS 20000 /* rows timed one by one */

static void rows_of(float *x, float *y, size_t n, uint64_t seed)
{
	struct rng g;

	rng_seed(&g, seed);
	for (size_t i = 0; i < n; i++) {
		float *r = x + i * COLS;
		double z = -2;
		for (int k = 0; k < COLS; k++) {
			r[k] = rng_chance(&g, 0.05) ? NAN : (float)rng_uniform(&g);
			if (!isnan(r[k]))
				z += (k % 3 == 0 ? 1.0 : -0.5) * r[k] * (k < 10 ? 1 : 0.2);
		}
		if (!isnan(r[0]) && !isnan(r[1]))
			z += 2 * r[0] * r[1];
		y[i] = rng_uniform(&g) < 1 / (1 + exp(-z));
	}
}

/* Per-row timings' median and p99, in us. */
static void report(const char *name, double *us, size_t n, double goal, const char *peer_name, double peer_p50)
{
	double p50, p99;

	sort_doubles(us, n);
	p50 = us[n / 2];
	p99 = us[n * 99 / 100];
	printf("%-44s p50 %7.2f us, p99 %7.2f us", name, p50, p99);
	if (goal > 0)
		printf("  goal p50 <= %g us: %s", goal, p50 <= goal ? "met" : "NOT MET");
	if (peer_name)
		printf("  (%s p50 %.1f us: %.0fx)", peer_name, peer_p50, peer_p50 / p50);
	putchar('\n');
}

int main(void)
{
	float *x = pp_malloc((size_t)TRAIN_ROWS * COLS * sizeof(float)), *y = pp_malloc(TRAIN_ROWS * sizeof(float));
	double *ours = pp_malloc(ROWS * sizeof(double)), *theirs = pp_malloc(ROWS * sizeof(double));
	double *phi = pp_malloc((COLS + 1) * sizeof(double)), *contrib = pp_malloc((COLS + 1) * sizeof(double));
	struct xgb_params p;
	struct xgb_model m;
	struct forest f;
	struct buf json = BUF_INIT;
	double t0, sink = 0;

	if (!x || !y || !ours || !theirs || !phi || !contrib)
		return 1;
	rows_of(x, y, TRAIN_ROWS, 1);
	xgb_params_default(&p);
	p.rounds = 300;
	p.early_stop = 100000; /* all 300 trees */
	p.max_depth = 6;
	p.eta = 0.05;
	struct xgb_data train = { x, y, TRAIN_ROWS - 50000, COLS }, valid = { x + (size_t)(TRAIN_ROWS - 50000) * COLS,
									   y + TRAIN_ROWS - 50000, 50000, COLS };
	t0 = bench_now();
	if (xgb_train(&p, &train, &valid, &m)) {
		fprintf(stderr, "bench_model: %s\n", pp_errmsg());
		return 1;
	}
	printf("%-44s %7.1f s  (%d trees, depth 6, %d features, hist, every core)\n",
	       "XGBoost training, 950k rows (+50k to validate)", bench_now() - t0, m.rounds, COLS);
	if (xgb_save_json(&m, &json) || forest_load_json(&f, json.data, json.len, "bench")) {
		fprintf(stderr, "bench_model: %s\n", pp_errmsg());
		return 1;
	}
	/* one row at a time: ours, then XGBoost's in-place predict on the same rows */
	for (size_t i = 0; i < ROWS; i++) {
		const float *r = x + i * COLS;
		double a = bench_now();
		sink += forest_predict(&f, r);
		ours[i] = (bench_now() - a) * 1e6;
	}
	for (size_t i = 0; i < ROWS; i++) {
		double out, a = bench_now();
		if (xgb_predict_inplace(&m, x + i * COLS, 1, COLS, &out))
			return 1;
		theirs[i] = (bench_now() - a) * 1e6;
		sink += out;
	}
	double xp50;
	sort_doubles(theirs, ROWS);
	xp50 = theirs[ROWS / 2];
	report("predict one row: native", ours, ROWS, 2, "XGBoost in-place", xp50);
	/* a batch: rows per second on one thread */
	t0 = bench_now();
	for (size_t i = 0; i < 200000; i++)
		sink += forest_predict(&f, x + i * COLS);
	printf("%-44s %7.2f M rows/s (one thread)\n", "predict a batch of 200k rows: native", 0.2 / (bench_now() - t0));
	/* TreeSHAP for one row: ours, then XGBoost's contributions for one row */
	for (size_t i = 0; i < 5000; i++) {
		double a = bench_now();
		forest_shap(&f, x + i * COLS, phi);
		ours[i] = (bench_now() - a) * 1e6;
		sink += phi[0];
	}
	for (size_t i = 0; i < 500; i++) {
		struct xgb_data one = { x + i * COLS, y + i, 1, COLS };
		double a = bench_now();
		if (xgb_contribs(&m, &one, contrib))
			return 1;
		theirs[i] = (bench_now() - a) * 1e6;
		sink += contrib[0];
	}
	sort_doubles(theirs, 500);
	report("TreeSHAP one row (41 values): native", ours, 5000, 100, "XGBoost pred_contribs", theirs[250]);
	if (sink == 42.4242)
		putchar(' ');
	forest_release(&f);
	xgb_free(&m);
	buf_release(&json);
	return 0;
}
