/*
 * model_store.h - the models `ppredict train` wrote under models/<version>/ in the lake:
 * the versions there, and one loaded back (meta.json and the XGBoost model).
 */
#ifndef PP_MODEL_STORE_H
#define PP_MODEL_STORE_H

#include "lake/lake_fs.h"
#include "model/xgb.h"

#include <jansson.h>

struct stored_model {
	char version[64];
	json_t *meta;       /* meta.json */
	struct xgb_model xgb;
	const char **features; /* into meta */
	size_t nfeatures;
	bool calibrated;       /* meta's calibration: Platt's a and b apply to probabilities */
	double platt_a, platt_b;
};

/* The newest version (names sort by time) into out; PP_ENOENT when there is none. */
int model_latest(struct lake_fs *fs, char *out, size_t n);
/* Loads a version (NULL or "": the newest). Errors name the version and the file. */
int model_load(struct lake_fs *fs, const char *version, struct stored_model *m);
/* The same without XGBoost: meta.json only (features, calibration), and the model file's
 * bytes in *model_json for the native engine. */
int model_load_meta(struct lake_fs *fs, const char *version, struct stored_model *m, struct buf *model_json);
/* Probabilities for rows (n x nfeatures floats, the model's order, NaN missing), calibrated
 * as the model was. */
int model_predict(const struct stored_model *m, const float *x, size_t n, double *out);
void model_release(struct stored_model *m);

#endif
