/* TreeSHAP by table (shap_table.h). */
#include "model/shap_table.h"
#include "core/err.h"
#include "core/mem.h"

#include <math.h>

#define ROWS_AHEAD 64 /* table rows fetched before they are summed */

/* A split on a leaf's path: the node, the way the path goes, its feature's slot. */
struct step {
	uint32_t node;
	uint8_t left, slot;
};

struct leaf {
	uint32_t first_step, first_feature;
	uint64_t w;        /* its table: 2^d rows of d values */
	float value;
	uint8_t nsteps, d;
};

struct shap_table {
	struct leaf *leaves;
	size_t nleaves;
	uint32_t *tree_first_leaf; /* per tree, and one past the last */
	struct step *steps;
	uint32_t *features;
	float *w;
	size_t max_tree_nodes;
};

static int push(void *arr, size_t *n, size_t *cap, size_t size, const void *item)
{
	if (pp_array_grow(arr, *n, cap, size, 256))
		return PP_ENOMEM;
	memcpy(*(char **)arr + *n * size, item, size);
	(*n)++;
	return 0;
}

/* The table of one leaf: z[k] the cover fractions of its d features, v its value. */
static void fill(float *w, const double *z, int d, double v)
{
	double fact[SHAP_TABLE_MAX_FEATURES + 1], e[SHAP_TABLE_MAX_FEATURES + 1];

	fact[0] = 1;
	for (int k = 1; k <= d; k++)
		fact[k] = fact[k - 1] * k;
	for (uint32_t s = 0; s < (1u << d); s++)
		for (int i = 0; i < d; i++) {
			double zb = 1, sum = 0;
			int na = 0;
			/* e: the elementary symmetric polynomials of z over the others agreed with */
			e[0] = 1;
			for (int k = 0; k < d; k++) {
				if (k == i)
					continue;
				if (!(s >> k & 1)) {
					zb *= z[k];
					continue;
				}
				e[++na] = 0;
				for (int j = na; j >= 1; j--)
					e[j] += e[j - 1] * z[k];
			}
			for (int m = 0; m <= na; m++) /* m of them known: the subsets' weights */
				sum += fact[m] * fact[d - 1 - m] / fact[d] * e[na - m];
			w[(size_t)s * d + i] = (float)(v * ((double)(s >> i & 1) - z[i]) * zb * sum);
		}
}

/* Depth-first down the tree, the path so far in path[0..depth). */
struct builder {
	struct forest *f;
	struct shap_table *t;
	size_t cap_leaves, cap_steps, nsteps, cap_features, nfeatures;
	uint64_t nw;
	bool too_big;
	struct step path[FOREST_FULL_DEPTH * 32];
};

static int walk(struct builder *b, uint32_t node, int depth)
{
	const struct forest_node *n = &b->f->nodes[node];

	if (b->too_big)
		return 0;
	if (!(n->info & FOREST_LEAF)) {
		if (depth >= (int)(sizeof(b->path) / sizeof(b->path[0]))) {
			b->too_big = true;
			return 0;
		}
		for (int side = 0; side < 2; side++) {
			b->path[depth] = (struct step){ node, (uint8_t)(side == 0), 0 };
			int rc = walk(b, n->left + (uint32_t)side, depth + 1);
			if (rc)
				return rc;
		}
		return 0;
	}
	/* a leaf: its distinct features, and which of them each split on the path is */
	uint32_t feats[SHAP_TABLE_MAX_FEATURES];
	int d = 0;
	for (int k = 0; k < depth; k++) {
		uint32_t f = FOREST_FEATURE(&b->f->nodes[b->path[k].node]);
		int slot = 0;
		while (slot < d && feats[slot] != f)
			slot++;
		if (slot == d) {
			if (d == SHAP_TABLE_MAX_FEATURES) {
				b->too_big = true;
				return 0;
			}
			feats[d++] = f;
		}
		b->path[k].slot = (uint8_t)slot;
	}
	struct leaf l = { (uint32_t)b->nsteps, (uint32_t)b->nfeatures, b->nw, n->v, (uint8_t)depth, (uint8_t)d };
	b->nw += ((uint64_t)1 << d) * (uint64_t)d;
	if (b->nw * sizeof(float) > SHAP_TABLE_MAX_BYTES) {
		b->too_big = true;
		return 0;
	}
	for (int k = 0; k < depth; k++)
		if (push(&b->t->steps, &b->nsteps, &b->cap_steps, sizeof(struct step), &b->path[k]))
			return PP_ENOMEM;
	for (int k = 0; k < d; k++)
		if (push(&b->t->features, &b->nfeatures, &b->cap_features, sizeof(uint32_t), &feats[k]))
			return PP_ENOMEM;
	return push(&b->t->leaves, &b->t->nleaves, &b->cap_leaves, sizeof(struct leaf), &l);
}

int shap_table_build(struct forest *f)
{
	struct builder *b = pp_calloc(1, sizeof(*b));
	struct shap_table *t = pp_calloc(1, sizeof(*t));
	int rc = 0;

	if (!b || !t || !(t->tree_first_leaf = pp_calloc(f->ntrees + 1, sizeof(uint32_t)))) {
		pp_free(b);
		shap_table_free(t);
		return PP_ENOMEM;
	}
	b->f = f;
	b->t = t;
	for (size_t i = 0; i < f->ntrees && !rc && !b->too_big; i++) {
		size_t end = i + 1 < f->ntrees ? f->roots[i + 1] : f->nnodes;
		t->tree_first_leaf[i] = (uint32_t)t->nleaves;
		if (end - f->roots[i] > t->max_tree_nodes)
			t->max_tree_nodes = end - f->roots[i];
		rc = walk(b, f->roots[i], 0);
	}
	t->tree_first_leaf[f->ntrees] = (uint32_t)t->nleaves;
	if (!rc && !b->too_big && !(t->w = pp_malloc(b->nw * sizeof(float) + 1)))
		rc = PP_ENOMEM;
	if (!rc && !b->too_big) {
		for (size_t i = 0; i < t->nleaves; i++) { /* the tables, from each path's fractions */
			const struct leaf *l = &t->leaves[i];
			double z[SHAP_TABLE_MAX_FEATURES];
			for (int k = 0; k < l->d; k++)
				z[k] = 1;
			for (int k = 0; k < l->nsteps; k++) {
				const struct step *st = &t->steps[l->first_step + k];
				const struct forest_node *n = &f->nodes[st->node];
				double c = f->cover[st->node];
				uint32_t child = n->left + (st->left ? 0 : 1);
				z[st->slot] *= c > 0 ? f->cover[child] / c : 0;
			}
			fill(t->w + l->w, z, l->d, l->value);
		}
		f->shap = t;
		t = NULL;
	}
	shap_table_free(t);
	pp_free(b);
	return rc;
}

void shap_table_free(struct shap_table *t)
{
	if (!t)
		return;
	pp_free(t->leaves);
	pp_free(t->tree_first_leaf);
	pp_free(t->steps);
	pp_free(t->features);
	pp_free(t->w);
	pp_free(t);
}

int shap_table_eval(const struct forest *f, const float *x, double *phi)
{
	const struct shap_table *t = f->shap;
	uint8_t go_left[4096], *left = t->max_tree_nodes <= sizeof(go_left) ? go_left
									     : pp_malloc(t->max_tree_nodes);

	if (!left)
		return PP_ENOMEM;
	for (size_t i = 0; i < f->ntrees; i++) {
		uint32_t base = f->roots[i], end = i + 1 < f->ntrees ? f->roots[i + 1] : (uint32_t)f->nnodes;
		for (uint32_t n = base; n < end; n++) { /* each split's way for x, once */
			const struct forest_node *nd = &f->nodes[n];
			if (!(nd->info & FOREST_LEAF))
				left[n - base] = !forest_goes_right(nd->info, nd->v, x);
		}
		/* first every leaf's row of its table, fetched ahead (the tables are large and
		 * their rows scattered: the misses overlap), then the sums */
		uint32_t first = t->tree_first_leaf[i], nl = t->tree_first_leaf[i + 1] - first;
		for (uint32_t j = 0; j < nl; j += ROWS_AHEAD) {
			const float *rows[ROWS_AHEAD];
			uint32_t m = nl - j < ROWS_AHEAD ? nl - j : ROWS_AHEAD;
			for (uint32_t q = 0; q < m; q++) {
				const struct leaf *l = &t->leaves[first + j + q];
				uint32_t s = (1u << l->d) - 1;
				for (int k = 0; k < l->nsteps; k++) {
					const struct step *st = &t->steps[l->first_step + k];
					if (left[st->node - base] != st->left)
						s &= ~(1u << st->slot);
				}
				rows[q] = t->w + l->w + (size_t)s * l->d;
				__builtin_prefetch(rows[q]);
			}
			for (uint32_t q = 0; q < m; q++) {
				const struct leaf *l = &t->leaves[first + j + q];
				const uint32_t *feat = t->features + l->first_feature;
				for (int k = 0; k < l->d; k++)
					phi[feat[k]] += rows[q][k];
			}
		}
	}
	if (left != go_left)
		pp_free(left);
	return 0;
}
