/*
 * forest.h - the native inference engine: an XGBoost model (its JSON, as `ppredict train`
 * writes it) loaded into flat arrays and evaluated without XGBoost: a probability for a
 * row, and TreeSHAP, the exact path-dependent Shapley values of every feature (Lundberg,
 * Erion and Lee, "Consistent individualized feature attribution for tree ensembles").
 *
 * Binary logistic models: gbtree (any growth policy), dart (each tree's leaves scaled by
 * its weight_drop) and gblinear. A row is nfeatures
 * floats, NaN missing (the default direction of each split). Predictions follow XGBoost's
 * arithmetic (float sums in tree order, its sigmoid), so they agree with it to float
 * precision; contributions are in margin (log-odds) space and add up, with the bias, to
 * the row's margin, as XGBoost's pred_contribs do.
 *
 * A loaded forest is read-only: any number of threads may predict with it at once.
 */
#ifndef PP_FOREST_H
#define PP_FOREST_H

#include "core/common.h"

/* 12 bytes: a split's threshold or a leaf's value, the feature and two flags, the left
 * child (the right one is next to it: each tree is laid out breadth first). */
struct forest_node {
	float v;        /* go left when x < v; a leaf: its value */
	uint32_t info;  /* the feature | FOREST_LEAF | FOREST_DEFAULT_LEFT (missing goes left) */
	uint32_t left;
};

#define FOREST_LEAF (1u << 31)
#define FOREST_DEFAULT_LEFT (1u << 30)
#define FOREST_FEATURE(n) ((n)->info & 0x3fffffffu)

/* The way x goes at a split (its info and threshold): 0 left, 1 right. Missing (NaN, the
 * only value unequal to itself) fails `<` and so goes right, unless the split sends it
 * left: no branch. Every walk of the engine decides this one way. */
static inline uint32_t forest_goes_right(uint32_t info, float threshold, const float *x)
{
	float v = x[info & 0x3fffffffu];

	return (uint32_t)(!(v < threshold) ^ ((v != v) & !!(info & FOREST_DEFAULT_LEFT)));
}

struct forest {
	size_t nfeatures;
	float base_margin;      /* the base score, as a margin */
	bool linear;            /* gblinear: weights and bias instead of trees */
	float *weights, bias;
	size_t ntrees, nnodes;
	uint32_t *roots;        /* per tree: its root node */
	struct forest_node *nodes;
	float *cover;           /* per node: the training weight (sum of hessians) that reached it */
	double *tree_mean;      /* per tree: its expected value (the cover-weighted leaf mean) */
	int max_depth;
	/* Shallow forests (depth <= FOREST_FULL_DEPTH) are also kept as full trees of one depth
	 * (a shallower leaf's value copied to all its descendants): a row then takes exactly
	 * `full_depth` steps per tree, eight trees in step, without a test for leaves. */
	int full_depth;         /* 0: not kept so */
	struct forest_split *full_split; /* per tree, 2^d - 1 of them, breadth first */
	float *full_leaf;       /* per tree, 2^d leaves */
	struct shap_table *shap; /* TreeSHAP by table when it fits (model/shap_table.h), else NULL */
};

/* A split of a full tree: 8 bytes, one load. The row it reads is x widened: x with missing
 * values as -inf, then x with them as +inf, so that a split whose missing values go left
 * reads the first half and one whose go right the second, and `x < threshold` alone
 * decides (thresholds are finite, or the forest is not kept so). */
struct forest_split {
	float threshold;
	uint32_t at; /* feature, + nfeatures when missing goes right */
};

/* x (n features) widened, as struct forest_split reads it, into wide[0..2n). */
static inline void forest_widen(size_t n, const float *x, float *wide)
{
	for (size_t i = 0; i < n; i++) {
		bool missing = x[i] != x[i];
		wide[i] = missing ? -__builtin_inff() : x[i];
		wide[n + i] = missing ? __builtin_inff() : x[i];
	}
}

/* The split's index into the widened row for a node's info. */
#define FOREST_WIDE_AT(info, n) (((info) & 0x3fffffffu) + ((info) & FOREST_DEFAULT_LEFT ? 0 : (uint32_t)(n)))

#define FOREST_FULL_DEPTH 8
#define FOREST_FULL_FEATURES 1024 /* at most this many features for the full trees */

/* Loads XGBoost's JSON (name for messages); errors name the tree and the field. */
int forest_load_json(struct forest *f, const char *json, size_t len, const char *name);
void forest_release(struct forest *f);

/* The margin (log-odds) and the probability of one row. */
float forest_margin(const struct forest *f, const float *x);
double forest_predict(const struct forest *f, const float *x);

/*
 * TreeSHAP: phi[0..nfeatures) the features' contributions, phi[nfeatures] the bias (the
 * base margin plus every tree's expected value); their sum is the row's margin.
 * Returns 0, or PP_ENOMEM.
 */
int forest_shap(const struct forest *f, const float *x, double *phi);

/* One reason for a prediction: a feature, its value in the row, its contribution. */
struct forest_reason {
	uint32_t feature;
	float value;  /* NaN: missing */
	double shap;  /* log-odds */
};

/*
 * The k features that moved this row's prediction most (largest |SHAP| first; ties by
 * feature number), from phi as forest_shap gave it; returns how many (at most k, and
 * only features whose contribution is not 0).
 */
size_t forest_reasons(const struct forest *f, const float *x, const double *phi, size_t k,
		      struct forest_reason *out);

#endif
