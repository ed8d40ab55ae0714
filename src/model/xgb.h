/*
 * xgb.h - XGBoost (Debian's libxgboost, its C API) for one binary model: dense float rows
 * in (NaN missing), a booster trained with early stopping on a validation set, its
 * probabilities, its JSON. Errors carry XGBoost's own message.
 */
#ifndef PP_XGB_H
#define PP_XGB_H

#include "core/buf.h"

struct xgb_params {
	const char *booster;     /* "gbtree" | "dart" | "gblinear" */
	const char *grow_policy; /* "depthwise" | "lossguide" (gbtree) */
	int max_depth;           /* depthwise; lossguide: 0 */
	int max_leaves;          /* lossguide */
	double eta, subsample, colsample, min_child_weight, lambda, alpha;
	double scale_pos_weight;
	int nthread;             /* 0: XGBoost's default (every core) */
	uint64_t seed;
	int rounds, early_stop;  /* at most rounds; stop when validation PR-AUC has not improved in early_stop */
};

/* Rows: n x cols floats, labels 0/1. */
struct xgb_data {
	const float *x, *y;
	size_t n, cols;
};

struct xgb_model {
	void *booster;
	int rounds;        /* kept (the best iteration + 1) */
	double best_valid; /* validation PR-AUC at that round */
};

void xgb_params_default(struct xgb_params *p);
/* A short text of the parameters that differ between candidates ("gbtree depthwise depth 6"). */
void xgb_params_name(const struct xgb_params *p, char *out, size_t n);

int xgb_train(const struct xgb_params *p, const struct xgb_data *train, const struct xgb_data *valid,
	      struct xgb_model *out);
/* Probabilities of rows (the model's kept rounds) into out[n]. */
int xgb_predict(const struct xgb_model *m, const struct xgb_data *d, double *out);
/* XGBoost's in-place prediction of n rows (XGBoosterPredictFromDense: no DMatrix), the way
 * a server would call it per request; out[n]. */
int xgb_predict_inplace(const struct xgb_model *m, const float *x, size_t n, size_t cols, double *out);
/* XGBoost's own SHAP values (pred_contribs): out[n x (cols + 1)], the bias last. */
int xgb_contribs(const struct xgb_model *m, const struct xgb_data *d, double *out);
/* A model from XGBoost's JSON (what xgb_save_json wrote); name is for messages. */
int xgb_load_json(struct xgb_model *m, const char *json, size_t len, const char *name);
/* The model as XGBoost's JSON (its documented schema), replacing out. */
int xgb_save_json(const struct xgb_model *m, struct buf *out);
void xgb_free(struct xgb_model *m);

/* XGBoost's version, "1.7.4". */
void xgb_version(char *out, size_t n);

#endif
