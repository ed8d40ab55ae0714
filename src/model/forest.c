/* The native inference engine and TreeSHAP (forest.h). */
#include "model/forest.h"
#include "model/shap_table.h"
#include "core/err.h"
#include "core/mem.h"

#include <jansson.h>
#include <math.h>

/* ---- loading ---- */

static int bad(const char *name, size_t tree, const char *what)
{
	return pp_error(PP_ECORRUPT, "%s: tree %zu: %s", name, tree, what);
}

/* A number of a JSON array (XGBoost writes numbers; a few parameters as strings). */
static double num_at(const json_t *a, size_t i)
{
	const json_t *v = json_array_get(a, i);

	return json_is_string(v) ? strtod(json_string_value(v), NULL) : json_number_value(v);
}

static double num_str(const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);

	return json_is_string(v) ? strtod(json_string_value(v), NULL) : json_is_number(v) ? json_number_value(v) : NAN;
}

/* Depth below node, and the cover-weighted mean of its leaves (the tree's expected value). */
#define MAX_DEPTH 256 /* deeper trees are refused (the walks recurse) */

/* Depth below node (-1: past MAX_DEPTH), and the cover-weighted mean of its leaves (the
 * tree's expected value). */
static int depth_and_mean(const struct forest *f, uint32_t node, int depth, double *mean)
{
	const struct forest_node *n = &f->nodes[node];
	double l, r;
	int dl, dr;

	if (depth > MAX_DEPTH)
		return -1;
	if (n->info & FOREST_LEAF) {
		*mean = n->v;
		return depth;
	}
	if ((dl = depth_and_mean(f, n->left, depth + 1, &l)) < 0 ||
	    (dr = depth_and_mean(f, n->left + 1, depth + 1, &r)) < 0)
		return -1;
	double cl = f->cover[n->left], cr = f->cover[n->left + 1];
	*mean = cl + cr > 0 ? (l * cl + r * cr) / (cl + cr) : (l + r) / 2;
	return dl > dr ? dl : dr;
}

/* A node as XGBoost's arrays give it, before the breadth-first layout. */
struct wide_node {
	float v, cover;
	int32_t feature, left, right; /* -1 feature: a leaf */
	bool default_left;
};

static int load_tree(struct forest *f, const json_t *t, size_t ti, const char *name)
{
	const json_t *lc = json_object_get(t, "left_children"), *rc_ = json_object_get(t, "right_children"),
		     *sc = json_object_get(t, "split_conditions"), *si = json_object_get(t, "split_indices"),
		     *dl = json_object_get(t, "default_left"), *sh = json_object_get(t, "sum_hessian"),
		     *st = json_object_get(t, "split_type");
	size_t n = json_array_size(lc), base = f->nnodes, next = 1;
	struct wide_node *w = NULL;
	uint32_t *queue = NULL;
	uint8_t *parents = NULL; /* a tree: every node but the root has one parent */
	int rc = 0;

	if (!n || json_array_size(rc_) != n || json_array_size(sc) != n || json_array_size(si) != n ||
	    json_array_size(dl) != n || json_array_size(sh) != n)
		return bad(name, ti, "its node arrays are missing or of different lengths");
	for (size_t i = 0; i < json_array_size(st); i++)
		if (num_at(st, i) != 0)
			return bad(name, ti, "a categorical split (only numerical ones are supported)");
	if (n > (size_t)0x3fffffff - base)
		return bad(name, ti, "too many nodes");
	if (!(w = pp_calloc(n, sizeof(*w))) || !(queue = pp_calloc(n, sizeof(*queue))) ||
	    !(parents = pp_calloc(n, 1))) {
		rc = PP_ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < n && !rc; i++) {
		double l = num_at(lc, i), r = num_at(rc_, i), feat = num_at(si, i);
		w[i].cover = (float)num_at(sh, i);
		w[i].v = (float)num_at(sc, i); /* a leaf's value where a split's condition would be */
		w[i].feature = -1;
		if (l == -1)
			continue;
		if (l <= (double)i || r <= (double)i || l >= (double)n || r >= (double)n || l == r ||
		    parents[(size_t)l]++ || parents[(size_t)r]++)
			rc = bad(name, ti, "a child index out of order or out of range, or a node with two parents");
		else if (feat < 0 || feat >= (double)f->nfeatures || feat != floor(feat))
			rc = bad(name, ti, "a split on a feature the model does not have");
		w[i].feature = (int32_t)feat;
		w[i].left = (int32_t)l;
		w[i].right = (int32_t)r;
		w[i].default_left = num_at(dl, i) != 0;
	}
	for (size_t i = 1; i < n && !rc; i++)
		if (!parents[i])
			rc = bad(name, ti, "a node no split leads to");
	if (rc)
		goto out;
	struct forest_node *nodes = pp_realloc(f->nodes, (base + n) * sizeof(*nodes));
	if (nodes)
		f->nodes = nodes;
	float *cover = nodes ? pp_realloc(f->cover, (base + n) * sizeof(*cover)) : NULL;
	if (!cover) {
		rc = PP_ENOMEM;
		goto out;
	}
	f->cover = cover;
	/* breadth first: queue[k] is the XGBoost node placed at base + k; children side by side */
	queue[0] = 0;
	for (size_t k = 0; k < n; k++) {
		const struct wide_node *x = &w[queue[k]];
		struct forest_node *o = &f->nodes[base + k];
		f->cover[base + k] = x->cover;
		o->v = x->v;
		if (x->feature < 0) {
			o->info = FOREST_LEAF;
			o->left = 0;
			continue;
		}
		o->info = (uint32_t)x->feature | (x->default_left ? FOREST_DEFAULT_LEFT : 0);
		o->left = (uint32_t)(base + next);
		queue[next++] = (uint32_t)x->left;
		queue[next++] = (uint32_t)x->right;
	}
	f->roots[ti] = (uint32_t)base;
	f->nnodes = base + n;
out:
	pp_free(w);
	pp_free(queue);
	pp_free(parents);
	return rc;
}

/* Node `node` of the original tree placed at position `pos` of the full tree of depth d
 * (splits 0 .. 2^d - 2 breadth first, then the leaves); a leaf above the last level fills
 * every leaf below it, its splits any direction. */
static void fill_full(struct forest *f, uint32_t node, size_t pos, int level, struct forest_split *sp,
		      float *leaf)
{
	const struct forest_node *n = &f->nodes[node];
	size_t splits = ((size_t)1 << f->full_depth) - 1;

	if (pos >= splits) {
		leaf[pos - splits] = n->v; /* a leaf at the last level */
		return;
	}
	if (n->info & FOREST_LEAF) { /* early: both ways lead to the same value */
		sp[pos] = (struct forest_split){ 0, 0 };
		fill_full(f, node, 2 * pos + 1, level + 1, sp, leaf);
		fill_full(f, node, 2 * pos + 2, level + 1, sp, leaf);
		return;
	}
	sp[pos] = (struct forest_split){ n->v, FOREST_WIDE_AT(n->info, f->nfeatures) };
	fill_full(f, n->left, 2 * pos + 1, level + 1, sp, leaf);
	fill_full(f, n->left + 1, 2 * pos + 2, level + 1, sp, leaf);
}

static bool thresholds_finite(const struct forest *f)
{
	for (size_t i = 0; i < f->nnodes; i++)
		if (!(f->nodes[i].info & FOREST_LEAF) && !isfinite(f->nodes[i].v))
			return false;
	return true;
}

static int make_full(struct forest *f)
{
	size_t splits = ((size_t)1 << f->max_depth) - 1, leaves = splits + 1;

	f->full_depth = f->max_depth;
	if (!(f->full_split = pp_calloc(f->ntrees * splits + 1, sizeof(*f->full_split))) ||
	    !(f->full_leaf = pp_calloc(f->ntrees * leaves + 1, sizeof(float))))
		return PP_ENOMEM;
	for (size_t t = 0; t < f->ntrees; t++)
		fill_full(f, f->roots[t], 0, 0, f->full_split + t * splits, f->full_leaf + t * leaves);
	return 0;
}

int forest_load_json(struct forest *f, const char *json, size_t len, const char *name)
{
	json_error_t jerr;
	json_t *root = json_loadb(json, len, 0, &jerr);
	const json_t *learner, *gb, *model, *trees, *obj, *weight_drop = NULL;
	double base, nfeat;
	int rc = 0;

	memset(f, 0, sizeof(*f));
	if (!root)
		return pp_error(PP_ECORRUPT, "%s:%d: %s", name, jerr.line, jerr.text);
	learner = json_object_get(root, "learner");
	gb = json_object_get(learner, "gradient_booster");
	model = json_object_get(gb, "model");
	obj = json_object_get(json_object_get(learner, "objective"), "name");
	base = num_str(json_object_get(learner, "learner_model_param"), "base_score");
	nfeat = num_str(json_object_get(learner, "learner_model_param"), "num_feature");
	if (!json_is_string(obj) || strcmp(json_string_value(obj), "binary:logistic")) {
		rc = pp_error(PP_ECORRUPT, "%s: objective %s: only binary:logistic models are served", name,
			      json_is_string(obj) ? json_string_value(obj) : "(none)");
		goto out;
	}
	if (!(base > 0 && base < 1) || !(nfeat >= 1 && nfeat <= 1e6)) {
		rc = pp_error(PP_ECORRUPT, "%s: learner_model_param: base_score and num_feature expected", name);
		goto out;
	}
	f->nfeatures = (size_t)nfeat;
	f->base_margin = (float)log(base / (1 - base));
	if (!strcmp(json_string_value(json_object_get(gb, "name")) ?: "", "gblinear")) {
		const json_t *w = json_object_get(model, "weights");
		if (json_array_size(w) != f->nfeatures + 1) {
			rc = pp_error(PP_ECORRUPT, "%s: a linear model needs %zu weights and a bias", name, f->nfeatures);
			goto out;
		}
		if (!(f->weights = pp_malloc(f->nfeatures * sizeof(float)))) {
			rc = PP_ENOMEM;
			goto out;
		}
		for (size_t i = 0; i < f->nfeatures; i++)
			f->weights[i] = (float)num_at(w, i);
		f->bias = (float)num_at(w, f->nfeatures);
		f->linear = true;
		goto out;
	}
	if (!strcmp(json_string_value(json_object_get(gb, "name")) ?: "", "dart")) {
		weight_drop = json_object_get(gb, "weight_drop"); /* each tree's output scaled */
		model = json_object_get(json_object_get(gb, "gbtree"), "model");
	}
	trees = json_object_get(model, "trees");
	if (!json_is_array(trees)) {
		rc = pp_error(PP_ECORRUPT, "%s: no trees (gradient_booster.model.trees)", name);
		goto out;
	}
	f->ntrees = json_array_size(trees);
	if (!(f->roots = pp_calloc(f->ntrees + 1, sizeof(*f->roots))) ||
	    !(f->tree_mean = pp_calloc(f->ntrees + 1, sizeof(double)))) {
		rc = PP_ENOMEM;
		goto out;
	}
	if (weight_drop && json_array_size(weight_drop) != f->ntrees) {
		rc = pp_error(PP_ECORRUPT, "%s: a dart model needs a weight_drop per tree", name);
		goto out;
	}
	for (size_t t = 0; t < f->ntrees && !rc; t++)
		if (!(rc = load_tree(f, json_array_get(trees, t), t, name)) && weight_drop) {
			float w = (float)num_at(weight_drop, t);
			for (size_t i = f->roots[t]; i < f->nnodes; i++)
				if (f->nodes[i].info & FOREST_LEAF)
					f->nodes[i].v *= w;
		}
	for (size_t t = 0; t < f->ntrees && !rc; t++) {
		int d = depth_and_mean(f, f->roots[t], 0, &f->tree_mean[t]);
		if (d < 0)
			rc = bad(name, t, "deeper than 256 levels");
		else if (d > f->max_depth)
			f->max_depth = d;
	}
	if (!rc && f->max_depth >= 1 && f->max_depth <= FOREST_FULL_DEPTH &&
	    f->nfeatures <= FOREST_FULL_FEATURES && thresholds_finite(f))
		rc = make_full(f);
	if (!rc && f->ntrees)
		rc = shap_table_build(f);
out:
	json_decref(root);
	if (rc)
		forest_release(f);
	return rc;
}

void forest_release(struct forest *f)
{
	pp_free(f->weights);
	pp_free(f->roots);
	pp_free(f->nodes);
	pp_free(f->cover);
	pp_free(f->full_split);
	shap_table_free(f->shap);
	pp_free(f->full_leaf);
	pp_free(f->tree_mean);
	memset(f, 0, sizeof(*f));
}

/* ---- prediction ---- */

/* The child x goes to at split n. */
static inline uint32_t child(const struct forest_node *n, const float *x)
{
	return n->left + forest_goes_right(n->info, n->v, x);
}

static uint32_t leaf_of(const struct forest *f, uint32_t node, const float *x)
{
	while (!(f->nodes[node].info & FOREST_LEAF))
		node = child(&f->nodes[node], x);
	return node;
}

#define LANES 16 /* trees walked in step: their loads overlap */

/* The step from split s for the widened row: 0 left, 1 right. */
static inline size_t step(const struct forest_split *s, const float *wide)
{
	return !(wide[s->at] < s->threshold);
}

/* The sum of the full trees' leaves for x, in tree order. */
static float full_margin(const struct forest *f, const float *row, float m)
{
	size_t splits = ((size_t)1 << f->full_depth) - 1, leaves = splits + 1, t = 0, nf = f->nfeatures;
	const struct forest_split *sp = f->full_split;
	float x[2 * FOREST_FULL_FEATURES];

	forest_widen(nf, row, x);

	for (; t + LANES <= f->ntrees; t += LANES) {
		const struct forest_split *tree = sp + t * splits;
		uint32_t at[LANES];
		for (int j = 0; j < LANES; j++)
			at[j] = (uint32_t)(j * splits); /* each lane's position, from the group's first tree */
		for (int level = 0; level < f->full_depth; level++)
			for (int j = 0; j < LANES; j++) {
				uint32_t base = (uint32_t)(j * splits);
				at[j] = base + 2 * (at[j] - base) + 1 + (uint32_t)step(&tree[at[j]], x);
			}
		for (int j = 0; j < LANES; j++)
			m += f->full_leaf[(t + (size_t)j) * leaves + (at[j] - (uint32_t)(j * splits)) - splits];
	}
	for (; t < f->ntrees; t++) {
		size_t at = 0;
		for (int level = 0; level < f->full_depth; level++)
			at = 2 * at + 1 + step(&sp[t * splits + at], x);
		m += f->full_leaf[t * leaves + at - splits];
	}
	return m;
}

float forest_margin(const struct forest *f, const float *x)
{
	float m = f->base_margin;

	if (f->full_depth)
		return full_margin(f, x, m);

	if (f->linear) {
		float s = f->bias;
		for (size_t i = 0; i < f->nfeatures; i++)
			if (!isnan(x[i]))
				s += f->weights[i] * x[i];
		return m + s;
	}
	for (size_t t = 0; t < f->ntrees; t++)
		m += f->nodes[leaf_of(f, f->roots[t], x)].v;
	return m;
}

double forest_predict(const struct forest *f, const float *x)
{
	return 1.0f / (1.0f + expf(-forest_margin(f, x)));
}

/* ---- TreeSHAP ---- */

struct path_elem {
	int feature;
	double zero_fraction, one_fraction, weight;
};

/* Grows the path by one split: its share of the subsets that leave the feature out
 * (zero) and keep it (one). */
static void extend_path(struct path_elem *p, int depth, double zero, double one, int feature)
{
	p[depth] = (struct path_elem){ feature, zero, one, depth == 0 ? 1.0 : 0.0 };
	for (int i = depth - 1; i >= 0; i--) {
		p[i + 1].weight += one * p[i].weight * (i + 1) / (double)(depth + 1);
		p[i].weight = zero * p[i].weight * (depth - i) / (double)(depth + 1);
	}
}

/* Undoes the split at index k (extend_path's inverse for it), shortening the path. */
static void unwind_path(struct path_elem *p, int depth, int k)
{
	double one = p[k].one_fraction, zero = p[k].zero_fraction, next = p[depth].weight;

	for (int i = depth - 1; i >= 0; i--) {
		if (one != 0) {
			double tmp = p[i].weight;
			p[i].weight = next * (depth + 1) / ((double)(i + 1) * one);
			next = tmp - p[i].weight * zero * (depth - i) / (double)(depth + 1);
		} else {
			p[i].weight = p[i].weight * (depth + 1) / (zero * (double)(depth - i));
		}
	}
	for (int i = k; i < depth; i++) {
		p[i].feature = p[i + 1].feature;
		p[i].zero_fraction = p[i + 1].zero_fraction;
		p[i].one_fraction = p[i + 1].one_fraction;
	}
}

/* The total weight the path would have with the split at k undone. */
static double unwound_sum(const struct path_elem *p, int depth, int k)
{
	double one = p[k].one_fraction, zero = p[k].zero_fraction, next = p[depth].weight, total = 0;

	for (int i = depth - 1; i >= 0; i--) {
		if (one != 0) {
			double tmp = next * (depth + 1) / ((double)(i + 1) * one);
			total += tmp;
			next = p[i].weight - tmp * zero * (depth - i) / (double)(depth + 1);
		} else if (zero != 0) {
			total += p[i].weight / zero / ((double)(depth - i) / (double)(depth + 1));
		}
	}
	return total;
}

/* Each level works on its own copy of the path, after its parent's in one buffer. */
static void shap_recurse(const struct forest *f, uint32_t node, const float *x, double *phi,
			 struct path_elem *parent, int depth, double zero, double one, int feature)
{
	const struct forest_node *n = &f->nodes[node];
	struct path_elem *p = parent + depth + 1;

	memcpy(p, parent, (size_t)(depth + 1) * sizeof(*p));
	extend_path(p, depth, zero, one, feature);
	if (n->info & FOREST_LEAF) {
		for (int i = 1; i <= depth; i++) {
			double w = unwound_sum(p, depth, i);
			phi[p[i].feature] += w * (p[i].one_fraction - p[i].zero_fraction) * n->v;
		}
		return;
	}
	int split = (int)FOREST_FEATURE(n);
	uint32_t hot = child(n, x), cold = hot == n->left ? n->left + 1 : n->left;
	double cover = f->cover[node], hot_zero = cover > 0 ? f->cover[hot] / cover : 0,
	       cold_zero = cover > 0 ? f->cover[cold] / cover : 0, in_zero = 1, in_one = 1;
	int k = 1;

	/* a feature already on the path: its earlier split is undone and merged with this one */
	while (k <= depth && p[k].feature != split)
		k++;
	if (k <= depth) {
		in_zero = p[k].zero_fraction;
		in_one = p[k].one_fraction;
		unwind_path(p, depth, k);
		depth--;
	}
	shap_recurse(f, hot, x, phi, p, depth + 1, hot_zero * in_zero, in_one, split);
	shap_recurse(f, cold, x, phi, p, depth + 1, cold_zero * in_zero, 0, split);
}

int forest_shap(const struct forest *f, const float *x, double *phi)
{
	size_t d = (size_t)f->max_depth + 2;
	struct path_elem *buf;

	for (size_t i = 0; i <= f->nfeatures; i++)
		phi[i] = 0;
	phi[f->nfeatures] = f->base_margin;
	if (f->linear) { /* a linear model's contributions are its terms */
		for (size_t i = 0; i < f->nfeatures; i++)
			phi[i] = isnan(x[i]) ? 0 : (double)f->weights[i] * x[i];
		phi[f->nfeatures] += f->bias;
		return 0;
	}
	if (f->shap) {
		for (size_t t = 0; t < f->ntrees; t++)
			phi[f->nfeatures] += f->tree_mean[t];
		return shap_table_eval(f, x, phi);
	}
	if (!(buf = pp_malloc((d * (d + 1) / 2 + d + 1) * sizeof(*buf))))
		return PP_ENOMEM;
	for (size_t t = 0; t < f->ntrees; t++) {
		shap_recurse(f, f->roots[t], x, phi, buf, 0, 1, 1, -1);
		phi[f->nfeatures] += f->tree_mean[t];
	}
	pp_free(buf);
	return 0;
}

size_t forest_reasons(const struct forest *f, const float *x, const double *phi, size_t k,
		      struct forest_reason *out)
{
	size_t n = 0;

	for (uint32_t i = 0; i < f->nfeatures; i++) { /* insertion into the top k */
		double a = fabs(phi[i]);
		size_t at = n;
		if (a == 0)
			continue;
		while (at > 0 && fabs(out[at - 1].shap) < a)
			at--;
		if (at >= k)
			continue;
		if (n < k)
			n++;
		memmove(&out[at + 1], &out[at], (n - 1 - at) * sizeof(*out));
		out[at] = (struct forest_reason){ i, x[i], phi[i] };
	}
	return n;
}
