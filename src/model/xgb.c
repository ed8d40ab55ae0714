/* XGBoost through its C API (xgb.h). */
#include "model/xgb.h"
#include "core/err.h"
#include "core/mem.h"

#include <math.h>
#include <xgboost/c_api.h>

/* XGBoost's last error, its first line (a stack trace follows). */
static const char *xgb_message(char *out, size_t n)
{
	const char *e = XGBGetLastError(), *nl = strchr(e, '\n');

	snprintf(out, n, "%.*s", nl ? (int)(nl - e) : (int)strlen(e), e);
	return out;
}

static int xgb_fail(const char *what)
{
	char msg[512];

	return pp_error(PP_EIO, "xgboost: %s: %s", what, xgb_message(msg, sizeof(msg)));
}

void xgb_params_default(struct xgb_params *p)
{
	*p = (struct xgb_params){ .booster = "gbtree", .grow_policy = "depthwise", .max_depth = 6,
				  .max_leaves = 0, .eta = 0.1, .subsample = 0.8, .colsample = 0.8,
				  .min_child_weight = 1, .lambda = 1, .alpha = 0, .scale_pos_weight = 1,
				  .nthread = 0, .seed = 42, .rounds = 400, .early_stop = 30 };
}

void xgb_params_name(const struct xgb_params *p, char *out, size_t n)
{
	if (!strcmp(p->booster, "gblinear"))
		snprintf(out, n, "gblinear, scale_pos_weight %.3g", p->scale_pos_weight);
	else if (!strcmp(p->grow_policy, "lossguide"))
		snprintf(out, n, "gbtree lossguide, %d leaves, scale_pos_weight %.3g", p->max_leaves,
			 p->scale_pos_weight);
	else
		snprintf(out, n, "gbtree depthwise, depth %d, scale_pos_weight %.3g", p->max_depth,
			 p->scale_pos_weight);
}

void xgb_version(char *out, size_t n)
{
	int major = 0, minor = 0, patch = 0;

	XGBoostVersion(&major, &minor, &patch);
	snprintf(out, n, "%d.%d.%d", major, minor, patch);
}

static int make_dmatrix(const struct xgb_data *d, DMatrixHandle *out)
{
	*out = NULL;
	if (XGDMatrixCreateFromMat(d->x, d->n, d->cols, NAN, out) ||
	    XGDMatrixSetFloatInfo(*out, "label", d->y, d->n))
		return xgb_fail("making a matrix");
	return 0;
}

static int set(BoosterHandle b, const char *name, const char *fmt, ...) PP_PRINTF(3, 4);

static int set(BoosterHandle b, const char *name, const char *fmt, ...)
{
	char v[64];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(v, sizeof(v), fmt, ap);
	va_end(ap);
	if (XGBoosterSetParam(b, name, v))
	{
		char msg[512];
		return pp_error(PP_EINVAL, "xgboost: parameter %s=%s: %s", name, v, xgb_message(msg, sizeof(msg)));
	}
	return 0;
}

static int set_params(BoosterHandle b, const struct xgb_params *p)
{
	int rc = set(b, "objective", "binary:logistic");

	rc = rc ? rc : set(b, "booster", "%s", p->booster);
	rc = rc ? rc : set(b, "eval_metric", "aucpr");
	rc = rc ? rc : set(b, "seed", "%" PRIu64, p->seed);
	rc = rc ? rc : set(b, "scale_pos_weight", "%.17g", p->scale_pos_weight);
	rc = rc ? rc : set(b, "lambda", "%.17g", p->lambda);
	rc = rc ? rc : set(b, "alpha", "%.17g", p->alpha);
	rc = rc ? rc : set(b, "eta", "%.17g", p->eta);
	rc = rc ? rc : set(b, "verbosity", "0");
	if (!rc && p->nthread > 0)
		rc = set(b, "nthread", "%d", p->nthread);
	if (!rc && !strcmp(p->booster, "gblinear")) /* shotgun races its threads: one thread */
		rc = set(b, "nthread", "1");
	if (!rc && !strcmp(p->booster, "dart"))
		rc = set(b, "rate_drop", "0.1");
	if (!rc && strcmp(p->booster, "gblinear")) {
		rc = set(b, "tree_method", "hist");
		rc = rc ? rc : set(b, "grow_policy", "%s", p->grow_policy);
		rc = rc ? rc : set(b, "max_depth", "%d", p->max_depth);
		rc = rc ? rc : set(b, "max_leaves", "%d", p->max_leaves);
		rc = rc ? rc : set(b, "subsample", "%.17g", p->subsample);
		rc = rc ? rc : set(b, "colsample_bytree", "%.17g", p->colsample);
		rc = rc ? rc : set(b, "min_child_weight", "%.17g", p->min_child_weight);
	}
	return rc;
}

/* The score in XGBoost's evaluation line "[3]\tvalid-aucpr:0.52". */
static double eval_score(const char *line)
{
	const char *c = strrchr(line, ':');

	return c ? strtod(c + 1, NULL) : NAN;
}

int xgb_train(const struct xgb_params *p, const struct xgb_data *train, const struct xgb_data *valid,
	      struct xgb_model *out)
{
	DMatrixHandle dtrain = NULL, dvalid = NULL;
	BoosterHandle b = NULL;
	const char *names[1] = { "valid" };
	double best = -1;
	int best_round = -1, rc;

	memset(out, 0, sizeof(*out));
	if ((rc = make_dmatrix(train, &dtrain)) || (rc = make_dmatrix(valid, &dvalid)))
		goto out;
	if (XGBoosterCreate(&dtrain, 1, &b)) {
		rc = xgb_fail("creating a booster");
		goto out;
	}
	if ((rc = set_params(b, p)))
		goto out;
	for (int it = 0; it < p->rounds; it++) {
		const char *line;
		double score;
		if (XGBoosterUpdateOneIter(b, it, dtrain)) {
			rc = xgb_fail("training");
			goto out;
		}
		if (XGBoosterEvalOneIter(b, it, &dvalid, names, 1, &line)) {
			rc = xgb_fail("evaluating");
			goto out;
		}
		score = eval_score(line);
		if (score > best) {
			best = score;
			best_round = it;
		} else if (it - best_round >= p->early_stop) {
			break;
		}
	}
	out->rounds = best_round + 1;
	out->best_valid = best;
	if (strcmp(p->booster, "gblinear")) { /* keep the trees up to the best round */
		BoosterHandle sliced;
		int have = 0;
		if (XGBoosterBoostedRounds(b, &have) == 0 && have > out->rounds) {
			if (XGBoosterSlice(b, 0, out->rounds, 1, &sliced)) {
				rc = xgb_fail("keeping the best rounds");
				goto out;
			}
			XGBoosterFree(b);
			b = sliced;
		}
	} else {
		XGBoosterBoostedRounds(b, &out->rounds); /* a linear model is its last round */
	}
	out->booster = b;
	b = NULL;
out:
	if (b)
		XGBoosterFree(b);
	if (dtrain)
		XGDMatrixFree(dtrain);
	if (dvalid)
		XGDMatrixFree(dvalid);
	return rc;
}

/* Predictions of type (0: probabilities, 2: contributions), per row width values. */
static int predict_as(const struct xgb_model *m, const struct xgb_data *d, int type, size_t width, double *out)
{
	char config[160];
	DMatrixHandle dm = NULL;
	const bst_ulong *shape;
	bst_ulong dim, total = 1;
	const float *res;
	int rc = 0;

	snprintf(config, sizeof(config), "{\"type\": %d, \"training\": false, \"iteration_begin\": 0, "
		 "\"iteration_end\": 0, \"strict_shape\": false}", type);
	if (XGDMatrixCreateFromMat(d->x, d->n, d->cols, NAN, &dm))
		return xgb_fail("making a matrix");
	if (XGBoosterPredictFromDMatrix(m->booster, dm, config, &shape, &dim, &res)) {
		rc = xgb_fail("predicting");
	} else {
		for (bst_ulong i = 0; i < dim; i++)
			total *= shape[i];
		if (dim < 1 || shape[0] != d->n || total != d->n * width)
			rc = pp_error(PP_EIO, "xgboost: %lu values for %zu rows of %zu", (unsigned long)total, d->n,
				      width);
	}
	for (size_t i = 0; !rc && i < d->n * width; i++)
		out[i] = res[i];
	XGDMatrixFree(dm);
	return rc;
}

int xgb_predict(const struct xgb_model *m, const struct xgb_data *d, double *out)
{
	return predict_as(m, d, 0, 1, out);
}

int xgb_predict_inplace(const struct xgb_model *m, const float *x, size_t n, size_t cols, double *out)
{
	static const char config[] = "{\"type\": 0, \"training\": false, \"iteration_begin\": 0, "
				     "\"iteration_end\": 0, \"strict_shape\": false, \"missing\": NaN, "
				     "\"cache_id\": 0}";
	char array[160];
	const bst_ulong *shape;
	bst_ulong dim;
	const float *res;

	snprintf(array, sizeof(array), "{\"data\": [%" PRIuPTR ", true], \"shape\": [%zu, %zu], "
		 "\"typestr\": \"<f4\", \"version\": 3}", (uintptr_t)x, n, cols);
	if (XGBoosterPredictFromDense(m->booster, array, config, NULL, &shape, &dim, &res))
		return xgb_fail("predicting in place");
	for (size_t i = 0; i < n; i++)
		out[i] = res[i];
	return 0;
}

int xgb_contribs(const struct xgb_model *m, const struct xgb_data *d, double *out)
{
	return predict_as(m, d, 2, d->cols + 1, out);
}

int xgb_load_json(struct xgb_model *m, const char *json, size_t len, const char *name)
{
	BoosterHandle b = NULL;

	memset(m, 0, sizeof(*m));
	if (XGBoosterCreate(NULL, 0, &b))
		return xgb_fail("creating a booster");
	if (XGBoosterLoadModelFromBuffer(b, json, len)) {
		char msg[512];
		int rc = pp_error(PP_ECORRUPT, "%s: not an XGBoost model: %s", name, xgb_message(msg, sizeof(msg)));
		XGBoosterFree(b);
		return rc;
	}
	XGBoosterBoostedRounds(b, &m->rounds);
	m->booster = b;
	return 0;
}

int xgb_save_json(const struct xgb_model *m, struct buf *out)
{
	bst_ulong len;
	const char *p;

	buf_reset(out);
	if (XGBoosterSaveModelToBuffer(m->booster, "{\"format\": \"json\"}", &len, &p))
		return xgb_fail("saving the model");
	return buf_append(out, p, len);
}

void xgb_free(struct xgb_model *m)
{
	if (m->booster)
		XGBoosterFree(m->booster);
	m->booster = NULL;
}
