/*
 * report.h - what a trained model's report and card say: report.json holds the test
 * window's ROC and PR curves (at most 101 points each), a calibration table (ten bins of
 * predicted probability: mean prediction, observed rate, rows), the global importance
 * (mean |SHAP| per feature over a seeded sample of test rows, by the native engine's
 * TreeSHAP) and a SHAP summary sample (the top features' values and contributions for
 * 200 rows); model_card.md puts them, with meta.json, in words.
 */
#ifndef PP_REPORT_MODEL_H
#define PP_REPORT_MODEL_H

#include "core/buf.h"
#include "model/forest.h"

#include <jansson.h>

struct report_input {
	const struct forest *forest;
	const float *x, *y;    /* the test rows, n x cols */
	const double *p;       /* their probabilities */
	size_t n, cols;
	const char *const *names;
	uint64_t seed;
};

json_t *model_report(const struct report_input *in);
/* The Markdown card from meta.json and report.json. */
int model_card(const json_t *meta, const json_t *report, struct buf *out);

#endif
