/*
 * ensemble.h - several gradient-boosted tree models as one: their trees concatenated with
 * each leaf scaled by its model's weight (weights adding up to 1), so the ensemble's margin
 * is the weighted sum of the members' margins. The result is an ordinary XGBoost JSON model:
 * XGBoost, the native engine and TreeSHAP (exact for the ensemble: contributions add up
 * the same way) read it like any other.
 */
#ifndef PP_ENSEMBLE_H
#define PP_ENSEMBLE_H

#include "core/buf.h"

/* Members: XGBoost JSON of binary:logistic gbtree models with the same features and base
 * score. Errors name the member and what differs. */
int ensemble_merge(const struct buf *members, const double *weights, size_t n, struct buf *out);

#endif
