/*
 * shap_table.h - TreeSHAP by table: the same exact, path-dependent values as the
 * recursive algorithm (forest.c), an order of magnitude faster per row, paid for once when
 * the model loads.
 *
 * A leaf's share of feature i's Shapley value depends on the row only through which of the
 * features on its path the row agrees with (goes the leaf's way at every split on them):
 * with d such features there are 2^d patterns, and the d values of each are computed at
 * load (elementary symmetric polynomials of the features' cover fractions weighted by
 * m!(d-1-m)!/d!). The leaves below a node two levels up go together: their patterns all
 * follow from the row's agreement with the splits above the node and its way at the (at
 * most three) splits below it, so one table indexed by those bits holds their summed
 * values. A row costs one test per split, then per group one fetched row and one addition
 * per feature the group's splits use. Kept when every group has at most 2^12 rows, the
 * thresholds are finite and the tables fit in SHAP_TABLE_MAX_BYTES; otherwise forest_shap
 * recurses.
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
