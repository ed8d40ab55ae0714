/* Tree models merged into one (ensemble.h). */
#include "model/ensemble.h"
#include "core/err.h"
#include "core/mem.h"

#include <jansson.h>
#include <math.h>

static json_t *path(json_t *root, const char *a, const char *b, const char *c, const char *d)
{
	json_t *v = json_object_get(root, a);

	v = b ? json_object_get(v, b) : v;
	v = c ? json_object_get(v, c) : v;
	return d ? json_object_get(v, d) : v;
}

/* Scales a tree's leaves (split_conditions and base_weights of nodes without children). */
static int scale_tree(json_t *tree, double w)
{
	json_t *lc = json_object_get(tree, "left_children"), *sc = json_object_get(tree, "split_conditions"),
	       *bw = json_object_get(tree, "base_weights");
	size_t n = json_array_size(lc);

	if (json_array_size(sc) != n || json_array_size(bw) != n)
		return PP_ECORRUPT;
	for (size_t i = 0; i < n; i++) {
		if (json_integer_value(json_array_get(lc, i)) != -1)
			continue;
		json_array_set_new(sc, i, json_real(json_number_value(json_array_get(sc, i)) * w));
		json_array_set_new(bw, i, json_real(json_number_value(json_array_get(bw, i)) * w));
	}
	return 0;
}

int ensemble_merge(const struct buf *members, const double *weights, size_t n, struct buf *out)
{
	json_t *base = NULL, *trees = NULL, *info = NULL;
	json_error_t jerr;
	double sum = 0;
	size_t ntrees = 0;
	char *text = NULL, count[32];
	int rc = 0;

	buf_reset(out);
	for (size_t i = 0; i < n; i++)
		sum += weights[i];
	if (!n || fabs(sum - 1) > 1e-9)
		return pp_error(PP_EINVAL, "ensemble: %zu members whose weights add up to %g, not 1", n, sum);
	for (size_t i = 0; i < n && !rc; i++) {
		json_t *m = json_loadb(members[i].data, members[i].len, 0, &jerr);
		json_t *gb = path(m, "learner", "gradient_booster", NULL, NULL);
		json_t *mt = json_object_get(gb, "model");
		if (!m || strcmp(json_string_value(json_object_get(gb, "name")) ?: "", "gbtree") ||
		    strcmp(json_string_value(path(m, "learner", "objective", "name", NULL)) ?: "", "binary:logistic")) {
			rc = pp_error(PP_EINVAL, "ensemble: member %zu is not a binary:logistic gbtree model", i);
		} else if (!base) {
			base = m;
			trees = json_array();
			info = json_array();
			m = NULL;
		} else if (!json_equal(path(base, "learner", "learner_model_param", NULL, NULL),
				       path(m, "learner", "learner_model_param", NULL, NULL))) {
			rc = pp_error(PP_EINVAL, "ensemble: member %zu has other features or another base score", i);
		}
		json_t *src = m ? json_object_get(mt, "trees") : path(base, "learner", "gradient_booster", "model", "trees");
		for (size_t t = 0; !rc && t < json_array_size(src); t++) {
			json_t *tree = json_deep_copy(json_array_get(src, t));
			if (!tree || scale_tree(tree, weights[i])) {
				json_decref(tree);
				rc = pp_error(PP_ECORRUPT, "ensemble: member %zu: tree %zu does not read", i, t);
				break;
			}
			json_object_set_new(tree, "id", json_integer((json_int_t)ntrees++));
			json_array_append_new(trees, tree);
			json_array_append_new(info, json_integer(0));
		}
		json_decref(m);
	}
	if (!rc) {
		json_t *mt = path(base, "learner", "gradient_booster", "model", NULL);
		snprintf(count, sizeof(count), "%zu", ntrees);
		json_object_set(mt, "trees", trees);
		json_object_set(mt, "tree_info", info);
		json_object_set_new(json_object_get(mt, "gbtree_model_param"), "num_trees", json_string(count));
		if (!(text = json_dumps(base, JSON_COMPACT)) || buf_puts(out, text))
			rc = PP_ENOMEM;
	}
	free(text); /* jansson's */
	json_decref(trees);
	json_decref(info);
	json_decref(base);
	return rc;
}
