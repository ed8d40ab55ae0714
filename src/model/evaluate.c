/* Models scored on one window (evaluate.h). */
#include "model/evaluate.h"
#include "core/err.h"
#include "core/mem.h"
#include "features/builder.h"
#include "model/metrics.h"

int eval_window_open(struct eval_window *w, struct lake_fs *fs, const struct config *cfg)
{
	int rc;

	memset(w, 0, sizeof(*w));
	if ((rc = matrix_load(&w->m, fs, TRAINING_MATRIX)) ||
	    (rc = split_by_time(&w->m, (double)cfg->train_valid_percent / 100.0, (double)cfg->train_test_percent / 100.0,
				&w->s)))
		goto fail;
	if ((rc = split_gather(&w->m, &w->s, NULL, PART_TEST, &w->x, &w->y, &w->n)))
		goto fail;
	return 0;
fail:
	eval_window_release(w);
	return rc;
}

int eval_window_score(const struct eval_window *w, const struct stored_model *model, struct eval_scores *out)
{
	double *p = NULL;
	size_t *order = NULL;
	int rc = 0;

	memset(out, 0, sizeof(*out));
	if (model->nfeatures != w->m.cols)
		return pp_error(PP_EINVAL, "model %s has %zu features, the training set %zu: it was trained on "
				"other features", model->version, model->nfeatures, w->m.cols);
	for (size_t c = 0; c < w->m.cols; c++)
		if (strcmp(model->features[c], w->m.names[c]))
			return pp_error(PP_EINVAL, "model %s: feature %zu is %s, the training set's %s: it was "
					"trained on other features", model->version, c, model->features[c], w->m.names[c]);
	if (!(p = pp_malloc((w->n + 1) * sizeof(double))) || !(order = pp_malloc((w->n + 1) * sizeof(size_t)))) {
		rc = PP_ENOMEM;
		goto out;
	}
	if ((rc = model_predict(model, w->x, w->n, p)) || (rc = metric_order(p, w->n, order)))
		goto out;
	out->rows = w->n;
	for (size_t i = 0; i < w->n; i++)
		out->positives += w->y[i] != 0;
	out->roc_auc = metric_roc_auc(p, w->y, order, w->n);
	out->pr_auc = metric_pr_auc(p, w->y, order, w->n);
	out->logloss = metric_logloss(p, w->y, w->n);
out:
	pp_free(p);
	pp_free(order);
	return rc;
}

void eval_window_release(struct eval_window *w)
{
	matrix_release(&w->m);
	split_release(&w->s);
	pp_free(w->x);
	pp_free(w->y);
	memset(w, 0, sizeof(*w));
}
