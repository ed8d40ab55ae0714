/* TreeSHAP by table (shap_table.h). */
#include "model/shap_table.h"
#include "core/err.h"
#include "core/mem.h"

#include <math.h>

#define GROUP_HEIGHT 2 /* leaves are tabled together under a node up to this far above them */
#define GROUP_BITS 12  /* a group's table has at most 2^GROUP_BITS rows */
#define ROWS_AHEAD 64  /* table rows fetched before they are summed */
#define MAX_SUB ((1 << GROUP_HEIGHT) - 1)
#define MAX_LEAVES (1 << GROUP_HEIGHT)

/*
 * A group: the leaves below one node, tabled together. A row of x agrees or not with each
 * split on the way to the node (the prefix) and goes left or right at each split inside it:
 * those nbits bits index its table, whose rows hold the summed contributions of all its
 * leaves to the nf features the splits use.
 */
struct group {
	uint64_t w;              /* its table: 2^nbits rows of nf values */
	uint32_t node;           /* its root */
	uint32_t first_feature;  /* nf feature indexes in features[] */
	uint32_t sub[MAX_SUB];   /* the splits inside it, breadth first (nsub of them) */
	uint8_t nbits, nsub, nf;
};

/* A split as the pass over a tree reads it: against the widened row (forest.h), and its
 * place and its left child's in the tree. */
struct tsplit {
	float threshold;
	uint32_t at;
	uint32_t self, left;
};

struct shap_table {
	struct tsplit *splits;      /* every tree's splits in node order */
	uint32_t *tree_first_split;
	struct group *groups;
	size_t ngroups;
	uint32_t *tree_first_group; /* per tree, and one past the last */
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

/* The table of one leaf: z[k] the cover fractions of its d features, v its value; row s
 * (which features x agrees with) holds each feature's share of v. */
static void fill(double *w, const double *z, int d, double v)
{
	double fact[GROUP_BITS + 1], e[GROUP_BITS + 1];

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
			w[(size_t)s * d + i] = v * ((double)(s >> i & 1) - z[i]) * zb * sum;
		}
}

/* A split on a path: the node, and whether the path goes left there. */
struct step {
	uint32_t node;
	bool left;
};

struct builder {
	struct forest *f;
	struct shap_table *t;
	size_t cap_groups, cap_features, nfeatures, nsplits, cap_splits;
	uint64_t nw, cap_w;
	bool too_big;
	int *height;         /* per node of the tree being built, below it */
	double *leaf_w;      /* scratch: one leaf's table */
	struct step path[GROUP_BITS + 1];
};

static int height_of(const struct forest *f, uint32_t node, uint32_t base, int *h)
{
	const struct forest_node *n = &f->nodes[node];
	int l, r;

	if (n->info & FOREST_LEAF)
		return h[node - base] = 0;
	l = height_of(f, n->left, base, h);
	r = height_of(f, n->left + 1, base, h);
	return h[node - base] = 1 + (l > r ? l : r);
}

/* The slot of feature `feat` among feats[0..*n), added when new (-1: over max). */
static int slot_of(uint32_t *feats, int *n, int max, uint32_t feat)
{
	int k = 0;

	while (k < *n && feats[k] != feat)
		k++;
	if (k == *n) {
		if (*n == max)
			return -1;
		feats[(*n)++] = feat;
	}
	return k;
}

/*
 * The group under path[0..dp)'s end: its table is the sum, over its leaves, of each leaf's
 * own table (fill) read at the pattern an index gives: a feature agrees when x agrees with
 * every split on it along the leaf's path.
 */
static int make_group(struct builder *b, uint32_t node, int dp)
{
	const struct forest *f = b->f;
	struct group g = { .w = b->nw, .node = node, .first_feature = (uint32_t)b->nfeatures };
	uint32_t feats[GROUP_BITS];
	/* its leaves, each with its path inside: the splits (indexes into sub) and its way at
	 * each; found breadth first, nodes[k] reached by path[k] */
	struct inside {
		uint32_t node;
		int nsteps, sub[GROUP_HEIGHT];
		bool left[GROUP_HEIGHT];
	} leaves[MAX_LEAVES], queue[MAX_SUB + MAX_LEAVES];
	int nf = 0, nleaves = 0, nq = 0;

	queue[nq++] = (struct inside){ .node = node };
	for (int q = 0; q < nq; q++) {
		struct inside at = queue[q];
		const struct forest_node *n = &f->nodes[at.node];
		if (n->info & FOREST_LEAF) {
			leaves[nleaves++] = at;
			continue;
		}
		for (int side = 0; side < 2; side++) {
			struct inside c = at;
			c.node = n->left + (uint32_t)side;
			c.sub[c.nsteps] = g.nsub;
			c.left[c.nsteps++] = side == 0;
			queue[nq++] = c;
		}
		g.sub[g.nsub++] = at.node;
	}
	g.nbits = (uint8_t)(dp + g.nsub);
	for (int k = 0; k < dp + g.nsub; k++) {
		uint32_t at = k < dp ? b->path[k].node : g.sub[k - dp];
		if (slot_of(feats, &nf, GROUP_BITS, FOREST_FEATURE(&f->nodes[at])) < 0) {
			b->too_big = true;
			return 0;
		}
	}
	if (!nf)
		return 0; /* a tree that is one leaf: no feature moves it */
	g.nf = (uint8_t)nf;
	uint64_t rows = (uint64_t)1 << g.nbits, size = rows * (uint64_t)nf;
	if ((b->nw + size) * sizeof(float) > SHAP_TABLE_MAX_BYTES) {
		b->too_big = true;
		return 0;
	}
	if (b->nw + size > b->cap_w) {
		uint64_t cap = b->cap_w ? b->cap_w : 1 << 16;
		while (cap < b->nw + size)
			cap *= 2;
		float *w = pp_realloc(b->t->w, cap * sizeof(float));
		if (!w)
			return PP_ENOMEM;
		b->t->w = w;
		b->cap_w = cap;
	}
	float *table = b->t->w + b->nw;
	memset(table, 0, size * sizeof(float));
	double *acc = b->leaf_w + ((size_t)1 << GROUP_BITS) * GROUP_BITS;
	for (uint64_t r = 0; r < rows; r++)
		for (int i = 0; i < nf; i++)
			acc[r * (uint64_t)nf + (uint64_t)i] = 0;
	for (int l = 0; l < nleaves; l++) {
		/* the leaf's path: the prefix, then its splits inside the group */
		struct step steps[GROUP_BITS + 2];
		int bit[GROUP_BITS + 2], nsteps = 0, slot[GROUP_BITS + 2], umap[GROUP_BITS];
		uint32_t lf[GROUP_BITS];
		int d = 0;
		double z[GROUP_BITS];
		for (int k = 0; k < dp; k++) {
			steps[nsteps] = b->path[k];
			bit[nsteps++] = g.nsub + dp - 1 - k; /* agreement with the prefix's way */
		}
		for (int k = 0; k < leaves[l].nsteps; k++) {
			int j = leaves[l].sub[k];
			steps[nsteps] = (struct step){ g.sub[j], leaves[l].left[k] };
			bit[nsteps++] = g.nsub - 1 - j; /* x goes left at sub[j] */
		}
		for (int k = 0; k < nsteps; k++) {
			uint32_t feat = FOREST_FEATURE(&f->nodes[steps[k].node]);
			slot[k] = slot_of(lf, &d, GROUP_BITS, feat);
			umap[slot[k]] = slot_of(feats, &nf, GROUP_BITS, feat);
		}
		for (int k = 0; k < d; k++)
			z[k] = 1;
		for (int k = 0; k < nsteps; k++) {
			const struct forest_node *n = &f->nodes[steps[k].node];
			double c = f->cover[steps[k].node];
			uint32_t child = n->left + (steps[k].left ? 0 : 1);
			z[slot[k]] *= c > 0 ? f->cover[child] / c : 0;
		}
		fill(b->leaf_w, z, d, f->nodes[leaves[l].node].v);
		for (uint64_t r = 0; r < rows; r++) {
			uint32_t s = (1u << d) - 1;
			for (int k = 0; k < nsteps; k++) {
				bool on = r >> bit[k] & 1;
				/* a prefix bit is agreement itself; inside, the bit says "left" */
				bool agrees = k < dp ? on : on == steps[k].left;
				if (!agrees)
					s &= ~(1u << slot[k]);
			}
			const double *from = b->leaf_w + (size_t)s * (size_t)d;
			for (int i = 0; i < d; i++)
				acc[r * (uint64_t)nf + (uint64_t)umap[i]] += from[i];
		}
	}
	for (uint64_t i = 0; i < size; i++)
		table[i] = (float)acc[i];
	b->nw += size;
	for (int k = 0; k < nf; k++)
		if (push(&b->t->features, &b->nfeatures, &b->cap_features, sizeof(uint32_t), &feats[k]))
			return PP_ENOMEM;
	return push(&b->t->groups, &b->t->ngroups, &b->cap_groups, sizeof(struct group), &g);
}

static int splits_below(const struct forest *f, uint32_t node)
{
	const struct forest_node *n = &f->nodes[node];

	return n->info & FOREST_LEAF ? 0 : 1 + splits_below(f, n->left) + splits_below(f, n->left + 1);
}

/* Down the tree to the nodes whose leaves make a group; the path so far in path[0..dp). */
static int walk(struct builder *b, uint32_t node, uint32_t base, int dp)
{
	const struct forest_node *n = &b->f->nodes[node];
	int h = b->height[node - base];

	if (b->too_big)
		return 0;
	if (h <= GROUP_HEIGHT && dp + splits_below(b->f, node) <= GROUP_BITS)
		return make_group(b, node, dp);
	if (h == 0 || dp >= GROUP_BITS) {
		b->too_big = true;
		return 0;
	}
	for (int side = 0; side < 2; side++) {
		int rc;
		b->path[dp] = (struct step){ node, side == 0 };
		if ((rc = walk(b, n->left + (uint32_t)side, base, dp + 1)))
			return rc;
	}
	return 0;
}

int shap_table_build(struct forest *f)
{
	struct builder *b = pp_calloc(1, sizeof(*b));
	struct shap_table *t = pp_calloc(1, sizeof(*t));
	size_t scratch = ((size_t)1 << GROUP_BITS) * GROUP_BITS * 2;
	int rc = 0;

	if (!b || !t || !(t->tree_first_group = pp_calloc(f->ntrees + 1, sizeof(uint32_t))) ||
	    !(t->tree_first_split = pp_calloc(f->ntrees + 1, sizeof(uint32_t))) ||
	    !(b->leaf_w = pp_malloc(scratch * sizeof(double)))) {
		if (b)
			pp_free(b->leaf_w);
		pp_free(b);
		shap_table_free(t);
		return PP_ENOMEM;
	}
	b->f = f;
	b->t = t;
	for (size_t i = 0; i < f->ntrees && !rc && !b->too_big; i++) {
		size_t end = i + 1 < f->ntrees ? f->roots[i + 1] : f->nnodes, nodes = end - f->roots[i];
		t->tree_first_group[i] = (uint32_t)t->ngroups;
		if (nodes > t->max_tree_nodes) {
			int *h = pp_realloc(b->height, nodes * sizeof(int));
			if (!h) {
				rc = PP_ENOMEM;
				break;
			}
			b->height = h;
			t->max_tree_nodes = nodes;
		}
		height_of(f, f->roots[i], f->roots[i], b->height);
		rc = walk(b, f->roots[i], f->roots[i], 0);
		t->tree_first_split[i] = (uint32_t)b->nsplits;
		for (uint32_t n = f->roots[i]; n < end && !rc; n++) {
			const struct forest_node *nd = &f->nodes[n];
			if (nd->info & FOREST_LEAF)
				continue;
			if (!isfinite(nd->v)) { /* the widened row needs finite thresholds */
				b->too_big = true;
				break;
			}
			struct tsplit s = { nd->v, FOREST_WIDE_AT(nd->info, f->nfeatures), n - f->roots[i],
					    nd->left - f->roots[i] };
			rc = push(&t->splits, &b->nsplits, &b->cap_splits, sizeof(s), &s);
		}
	}
	t->tree_first_group[f->ntrees] = (uint32_t)t->ngroups;
	t->tree_first_split[f->ntrees] = (uint32_t)b->nsplits;
	if (!rc && !b->too_big) {
		f->shap = t;
		t = NULL;
	}
	shap_table_free(t);
	pp_free(b->height);
	pp_free(b->leaf_w);
	pp_free(b);
	return rc;
}

void shap_table_free(struct shap_table *t)
{
	if (!t)
		return;
	pp_free(t->groups);
	pp_free(t->tree_first_group);
	pp_free(t->splits);
	pp_free(t->tree_first_split);
	pp_free(t->features);
	pp_free(t->w);
	pp_free(t);
}

struct fetched {
	const float *row;
	const struct group *g;
};

static inline void sum_row(const struct shap_table *t, const struct fetched *r, double *phi)
{
	const uint32_t *feat = t->features + r->g->first_feature;

	for (int k = 0; k < r->g->nf; k++)
		phi[feat[k]] += r->row[k];
}

int shap_table_eval(const struct forest *f, const float *x, double *phi)
{
	struct fetched ahead[ROWS_AHEAD];
	uint32_t pending = 0, next = 0;
	const struct shap_table *t = f->shap;
	uint32_t on_stack[1024], *path = t->max_tree_nodes <= ARRAY_SIZE(on_stack)
						 ? on_stack
						 : pp_malloc(t->max_tree_nodes * sizeof(*path));
	uint8_t left_stack[1024], *left = t->max_tree_nodes <= ARRAY_SIZE(left_stack)
						  ? left_stack
						  : pp_malloc(t->max_tree_nodes);

	float wide_stack[512], *wide = 2 * f->nfeatures <= ARRAY_SIZE(wide_stack)
						? wide_stack
						: pp_malloc(2 * f->nfeatures * sizeof(*wide));

	if (!path || !left || !wide) {
		if (wide != wide_stack)
			pp_free(wide);
		if (path != on_stack)
			pp_free(path);
		if (left != left_stack)
			pp_free(left);
		return PP_ENOMEM;
	}
	forest_widen(f->nfeatures, x, wide);
	for (size_t i = 0; i < f->ntrees; i++) {
		uint32_t base = f->roots[i];
		/* per node: x's way at it, and whether x agrees with each split on the way to it
		 * (the root's split the highest bit; parents come before children) */
		path[0] = 0;
		for (uint32_t k = t->tree_first_split[i]; k < t->tree_first_split[i + 1]; k++) {
			const struct tsplit *s = &t->splits[k];
			uint32_t go_left = wide[s->at] < s->threshold, p = path[s->self] << 1;
			left[s->self] = (uint8_t)go_left;
			path[s->left] = p | go_left;
			path[s->left + 1] = p | !go_left;
		}
		/* each group's row, fetched now and summed ROWS_AHEAD rows later (the tables are
		 * large and their rows scattered: the misses overlap with the next tree's work) */
		for (uint32_t j = t->tree_first_group[i]; j < t->tree_first_group[i + 1]; j++) {
			const struct group *g = &t->groups[j];
			uint32_t idx = path[g->node - base];
			for (int k = 0; k < g->nsub; k++)
				idx = idx << 1 | left[g->sub[k] - base];
			idx &= (1u << g->nbits) - 1;
			if (pending == ROWS_AHEAD)
				sum_row(t, &ahead[next], phi);
			else
				pending++;
			ahead[next] = (struct fetched){ t->w + g->w + (size_t)idx * g->nf, g };
			__builtin_prefetch(ahead[next].row);
			next = (next + 1) % ROWS_AHEAD;
		}
	}
	for (uint32_t k = 0; k < pending; k++) /* the oldest first */
		sum_row(t, &ahead[(next + ROWS_AHEAD - pending + k) % ROWS_AHEAD], phi);
	if (path != on_stack)
		pp_free(path);
	if (left != left_stack)
		pp_free(left);
	if (wide != wide_stack)
		pp_free(wide);
	return 0;
}
