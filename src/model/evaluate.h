/*
 * evaluate.h - models scored on one window: the test window of the feature store's current
 * training matrix (split as training splits it), so that a candidate and the champion are
 * compared on the same rows, whatever windows they were trained on.
 */
#ifndef PP_EVALUATE_H
#define PP_EVALUATE_H

#include "core/config.h"
#include "model/matrix.h"
#include "model/model_store.h"
#include "model/split.h"

struct eval_window {
	struct train_matrix m;
	struct split s;
	float *x, *y; /* the test rows */
	size_t n;
};

struct eval_scores {
	double roc_auc, pr_auc, logloss;
	size_t rows, positives;
};

int eval_window_open(struct eval_window *w, struct lake_fs *fs, const struct config *cfg);
/* A model's scores there; PP_EINVAL when it was trained on other features than the matrix's. */
int eval_window_score(const struct eval_window *w, const struct stored_model *model, struct eval_scores *out);
void eval_window_release(struct eval_window *w);

#endif
