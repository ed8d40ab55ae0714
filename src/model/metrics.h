/*
 * metrics.h - how good probabilities are, on labels 0/1: ROC-AUC (ties counted half, as the
 * Mann-Whitney statistic), PR-AUC as average precision (the step sum scikit-learn's
 * average_precision_score computes), log loss (probabilities clipped to [1e-15, 1 - 1e-15]),
 * Brier score; the confusion at a threshold (positive when p >= t); the threshold that
 * maximises F-beta; precision in the top k%.
 */
#ifndef PP_METRICS_MODEL_H
#define PP_METRICS_MODEL_H

#include "core/common.h"

struct confusion {
	uint64_t tp, fp, tn, fn;
	double precision, recall, f1;
};

/* The order of p, highest first (ties by index), in order[n]; for the functions below. */
int metric_order(const double *p, size_t n, size_t *order);

double metric_roc_auc(const double *p, const float *y, const size_t *order, size_t n);
double metric_pr_auc(const double *p, const float *y, const size_t *order, size_t n);
double metric_logloss(const double *p, const float *y, size_t n);
double metric_brier(const double *p, const float *y, size_t n);
void metric_confusion(const double *p, const float *y, size_t n, double threshold, struct confusion *c);
/* The threshold (one of the p) with the highest F-beta; *best gets that F-beta. */
double metric_best_threshold(const double *p, const float *y, const size_t *order, size_t n, double beta,
			     double *best);
/* The threshold (one of the p) meeting a target: with `precision` set, the lowest one whose
 * precision is at least target (the most recall that keeps it); else the highest one whose
 * recall is at least target. *reached gets that precision or recall; NAN when no threshold
 * meets the target (then 1: nothing flagged). */
double metric_threshold_for(const double *p, const float *y, const size_t *order, size_t n, bool precision,
			    double target, double *reached);
/* The share of positives among the top k% (0 < k <= 100). */
double metric_precision_at(const float *y, const size_t *order, size_t n, double k);

#endif
