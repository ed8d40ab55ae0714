/*
 * train.h - `ppredict train`: a training set from the feature store, split by time, a few
 * XGBoost candidates (depth-wise trees under three class weights, then leaf-wise trees and
 * a linear baseline with the best weight) with early stopping on validation, the best by
 * validation PR-AUC, its threshold by F-beta on validation, metrics on the untouched test
 * window, and the model written to the lake as models/<version>/ (XGBoost's JSON and
 * meta.json). Training refuses when the quality gate has failed.
 */
#ifndef PP_TRAIN_H
#define PP_TRAIN_H

#include "core/config.h"
#include "features/registry.h"
#include "lake/lake_fs.h"

#include <jansson.h>

#define MODELS_DIR "models"

struct train_opts {
	const char *matrix;   /* lake path; NULL: the feature store's training set */
	const char *csv;      /* instead: a CSV file of one's own (model/csv_matrix.h) ... */
	const char *label, *time_col, *group_col; /* ... its label, time and group columns */
	bool shuffle_labels;  /* a check on leakage: the labels permuted (seeded) */
	bool no_gate;         /* train even when the quality gate failed */
	double beta;          /* the threshold's F-beta */
	double precision, recall; /* instead (0: not asked): the threshold meets this on validation */
	int valid_percent, test_percent, rounds, early_stop, nthread;
	int search_trials, search_seconds; /* the random search: trials, and a time bound (0: none) */
	int ensemble_min_positives;        /* validation positives needed to fit an ensemble */
	uint64_t seed;
};

void train_opts_from_config(struct train_opts *o, const struct config *cfg);

struct model_index;

/* Trains and stores a model, registered as a candidate in index (when not NULL); *meta
 * gets its meta.json (the caller's reference). */
int model_train(struct lake_fs *fs, const struct feature_registry *r, const struct train_opts *o,
		struct model_index *index, json_t **meta);

#endif
