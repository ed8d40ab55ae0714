/*
 * drift.h - whether a table's data in one window (or version) drifted from another:
 * per column a statistical test or distance chosen as Evidently does by default, the
 * Population Stability Index beside it, and a dataset verdict from the share of drifted
 * columns. See docs/internals/quality.md.
 *
 * Defaults (Evidently's): a column is categorical when it holds text or booleans or has
 * at most 5 distinct values in the reference, else numerical. With at most 1,000
 * reference rows: two-sample Kolmogorov-Smirnov (numerical), the chi-square test of
 * homogeneity of the two samples (categorical; Evidently tests goodness of fit to the
 * reference, which rejects far too often) or the z-test (two categories), drift when
 * p < 0.05; above: the
 * Wasserstein distance divided by the reference's standard deviation (numerical) or the
 * Jensen-Shannon distance (categorical), drift when >= 0.1. The dataset drifted when at
 * least half the columns did. PSI bands: below 0.1 none, below 0.25 moderate, else
 * significant.
 */
#ifndef PP_DRIFT_H
#define PP_DRIFT_H

#include "lake/delta/delta_scan.h"
#include "lake/lake_fs.h"

#include <jansson.h>

/* What to read: TABLE, TABLE@VERSION, TABLE:FROM..TO (dates of the table's date
 * partition, inclusive; either end may be empty), or FROM..TO of the other side's table. */
struct drift_window {
	char table[128];
	int64_t version; /* -1: the latest */
	struct delta_dates dates;
};

int drift_window_parse(const char *text, struct drift_window *w);

struct drift_opts {
	const char *const *columns; /* NULL: every column but identifiers, times and the window's */
	size_t ncolumns;
	const char *stattest; /* NULL: the default rule; else ks, chisquare, z, wasserstein,
			       * jensenshannon, psi */
	double threshold;     /* 0: the test's default */
	double drift_share;   /* of columns for a dataset drift; 0: 0.5 */
	size_t sample;        /* rows drawn at random from each side; 0: all */
	uint64_t seed;
	/* A model's predictions compared as one more numerical column, "prediction":
	 * predict(ctx, x, rows, out) gets each side's rows of model_features (rows x n
	 * floats in that order, NaN missing; a feature the side lacks is missing). */
	const char *const *model_features;
	size_t nmodel_features;
	int (*predict)(void *ctx, const float *x, size_t rows, double *out);
	void *predict_ctx;
};

struct drift_summary {
	size_t columns, drifted;
	bool dataset_drift;
};

/* Compares cur (its table defaults to ref's) against ref; *report is the JSON report. */
int drift_compare(struct lake_fs *fs, const struct drift_window *ref, const struct drift_window *cur,
		  const struct drift_opts *o, json_t **report, struct drift_summary *sum);

#endif
