/*
 * calibrate.h - Platt scaling: probabilities mapped through sigmoid(a * logit(p) + b),
 * a and b fitted on validation by Newton's method on the log loss, with Platt's smoothed
 * targets ((N+ + 1) / (N+ + 2) and 1 / (N- + 2)) so that a few rows do not push them to
 * the extremes. Class weights make a model rank well and its probabilities run high; this
 * brings them back to the observed rates without changing the order.
 */
#ifndef PP_CALIBRATE_H
#define PP_CALIBRATE_H

#include "core/common.h"

struct platt {
	double a, b;
};

/* Fits on probabilities p and labels y (n rows); 0, or PP_EINVAL without both classes. */
int platt_fit(const double *p, const float *y, size_t n, struct platt *out);
double platt_apply(const struct platt *c, double p);

#endif
