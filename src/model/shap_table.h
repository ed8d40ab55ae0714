/*
 * shap_table.h - TreeSHAP by table: the same exact, path-dependent values as the
 * recursive algorithm (forest.c), an order of magnitude faster per row, paid for once when
 * the model loads.
 *
 * A leaf's share of feature i's Shapley value depends on the row only through which of the
 * features on its path the row agrees with (goes the leaf's way at every split on them):
 * with d such features there are 2^d patterns. For each leaf and pattern the d values are
 * computed at load (elementary symmetric polynomials of the features' cover fractions
 * weighted by m!(d-1-m)!/d!), so a row costs one test per split and d additions per leaf.
 * Kept when every leaf has at most SHAP_TABLE_MAX_FEATURES path features and the tables
 * fit in SHAP_TABLE_MAX_BYTES; otherwise forest_shap recurses.
 */
#ifndef PP_SHAP_TABLE_H
#define PP_SHAP_TABLE_H

#include "model/forest.h"

#define SHAP_TABLE_MAX_FEATURES 10
#define SHAP_TABLE_MAX_BYTES (512u << 20)

struct shap_table;

/* Builds f->shap when it fits (0 either way; PP_ENOMEM). */
int shap_table_build(struct forest *f);
void shap_table_free(struct shap_table *t);
/* Adds every tree's contributions for x to phi[0..nfeatures) (not the bias); PP_ENOMEM. */
int shap_table_eval(const struct forest *f, const float *x, double *phi);

#endif
