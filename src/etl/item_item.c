#include "etl/item_item.h"
#include "core/err.h"
#include "core/mem.h"

const struct pq_column_def item_item_cols[ITEM_ITEM_NCOLS] = {
	{ "item_id", PQ_STRING, false, false },
	{ "other_item_id", PQ_STRING, false, false },
	{ "rank", PQ_INT32, false, false },
	{ "score", PQ_DOUBLE, false, false },
	{ "sessions", PQ_INT64, false, false },
	{ "carted", PQ_INT64, false, false },
	{ "bought", PQ_INT64, false, false },
};

enum { CARTED = 1, BOUGHT = 2 };

void item_pairs_init(struct item_pairs *p)
{
	memset(p, 0, sizeof(*p));
}

void item_pairs_touch(struct item_pairs *p, uint32_t item, enum event_type type)
{
	uint8_t flag = type == EV_ADDTOCART ? CARTED : type == EV_TRANSACTION ? BOUGHT : 0;
	size_t i;

	for (i = 0; i < p->nitems && p->items[i] != item; i++)
		;
	if (i == p->nitems) {
		if (p->nitems == ITEM_ITEM_SESSION_ITEMS)
			return;
		p->items[p->nitems] = item;
		p->flags[p->nitems++] = 0;
	}
	p->flags[i] |= flag;
}

static uint64_t mix(uint64_t k)
{
	k ^= k >> 33;
	k *= 0xff51afd7ed558ccdULL;
	k ^= k >> 33;
	return k;
}

static int grow(struct item_pairs *p)
{
	size_t cap = p->cap ? p->cap * 2 : 1 << 16;
	struct item_pair *slots = pp_calloc(cap, sizeof(*slots));

	if (!slots)
		return PP_ENOMEM;
	for (size_t i = 0; i < p->cap; i++) {
		const struct item_pair *s = &p->slots[i];
		size_t j;
		if (!s->key)
			continue;
		for (j = mix(s->key) & (cap - 1); slots[j].key; j = (j + 1) & (cap - 1))
			;
		slots[j] = *s;
	}
	pp_free(p->slots);
	p->slots = slots;
	p->cap = cap;
	return 0;
}

static int count_pair(struct item_pairs *p, uint32_t a, uint32_t b, uint8_t fa, uint8_t fb)
{
	uint64_t key;
	size_t j;

	if (a > b) {
		uint32_t t = a;
		a = b;
		b = t;
	}
	key = (uint64_t)(a + 1) << 32 | (b + 1);
	if (p->count * 10 >= p->cap * 7 && grow(p))
		return PP_ENOMEM;
	for (j = mix(key) & (p->cap - 1); p->slots[j].key && p->slots[j].key != key;
	     j = (j + 1) & (p->cap - 1))
		;
	if (!p->slots[j].key) {
		p->slots[j].key = key;
		p->count++;
	}
	p->slots[j].sessions++;
	p->slots[j].carted += (fa & fb & CARTED) != 0;
	p->slots[j].bought += (fa & fb & BOUGHT) != 0;
	return 0;
}

int item_pairs_end_session(struct item_pairs *p)
{
	int rc = 0;

	for (size_t i = 0; i < p->nitems && !rc; i++)
		for (size_t j = i + 1; j < p->nitems && !rc; j++)
			rc = count_pair(p, p->items[i], p->items[j], p->flags[i], p->flags[j]);
	p->nitems = 0;
	return rc;
}

/* One direction of a pair, as one item's candidate. */
struct candidate {
	uint64_t score;   /* sessions + 2 carted + 4 bought */
	uint32_t rank;    /* of the other item in item_id order: ties go by id */
	uint32_t other;
	const struct item_pair *pair;
};

static uint64_t score_of(const struct item_pair *p)
{
	return (uint64_t)p->sessions + 2 * (uint64_t)p->carted + 4 * (uint64_t)p->bought;
}

static int by_score(const void *a, const void *b)
{
	const struct candidate *x = a, *y = b;

	if (x->score != y->score)
		return x->score > y->score ? -1 : 1;
	return x->rank < y->rank ? -1 : x->rank > y->rank;
}

/*
 * Moves the k best of c[0..n) to the front, best first. A popular item has hundreds of
 * thousands of candidates: select with a partition (expected linear), then sort k.
 */
static void top_k(struct candidate *c, size_t n, size_t k)
{
	size_t lo = 0, hi = n;

	if (n > k) {
		while (hi - lo > 1) { /* quickselect: c[0..k) ends up the k best */
			struct candidate pivot = c[lo + (hi - lo) / 2], t;
			size_t i = lo, j = hi - 1;
			while (i <= j) {
				while (by_score(&c[i], &pivot) < 0)
					i++;
				while (by_score(&c[j], &pivot) > 0)
					j--;
				if (i <= j) {
					t = c[i];
					c[i] = c[j];
					c[j] = t;
					i++;
					if (j == 0)
						break;
					j--;
				}
			}
			if (k <= j)
				hi = j + 1;
			else if (k >= i)
				lo = i;
			else
				break;
		}
		n = k;
	}
	qsort(c, n, sizeof(*c), by_score);
}

int item_pairs_encode(const struct item_pairs *p, const char *const *ids, const size_t *order,
		      size_t nitems, int k, struct buf *out, int64_t *rows)
{
	/* candidates grouped by item: a counting sort on the item */
	size_t *start = pp_calloc(nitems + 1, sizeof(*start));
	uint32_t *rank = pp_malloc((nitems ? nitems : 1) * sizeof(*rank));
	struct candidate *cand = pp_malloc((p->count ? p->count : 1) * 2 * sizeof(*cand));
	struct pq_writer_opts o;
	struct pq_writer *w = NULL;
	size_t i;
	int rc = 0;

	*rows = 0;
	if (!start || !cand || !rank) {
		rc = PP_ENOMEM;
		goto out;
	}
	for (i = 0; i < nitems; i++)
		rank[order[i]] = (uint32_t)i;
	for (i = 0; i < p->cap; i++) {
		if (!p->slots[i].key)
			continue;
		start[(p->slots[i].key >> 32) - 1]++;
		start[(p->slots[i].key & 0xffffffffu) - 1]++;
	}
	for (size_t sum = 0, j = 0; j <= nitems; j++) { /* counts -> end offsets */
		sum += start[j];
		start[j] = sum;
	}
	for (i = 0; i < p->cap; i++) { /* fill backwards: start[j] ends as the first index */
		uint32_t a, b;
		if (!p->slots[i].key)
			continue;
		a = (uint32_t)(p->slots[i].key >> 32) - 1;
		b = (uint32_t)(p->slots[i].key & 0xffffffffu) - 1;
		uint64_t score = score_of(&p->slots[i]);
		cand[--start[a]] = (struct candidate){ score, rank[b], b, &p->slots[i] };
		cand[--start[b]] = (struct candidate){ score, rank[a], a, &p->slots[i] };
	}
	pq_writer_opts_default(&o);
	if ((rc = pq_writer_open(&w, item_item_cols, ITEM_ITEM_NCOLS, &o)))
		goto out;
	for (i = 0; i < nitems && !rc; i++) {
		size_t item = order[i], n = start[item + 1] - start[item];
		struct candidate *c = cand + start[item];
		size_t id_len = strlen(ids[item]);
		top_k(c, n, (size_t)k);
		for (size_t r = 0; r < n && r < (size_t)k && !rc; r++) {
			pq_put_str(w, ids[item], id_len);
			pq_put_str(w, ids[c[r].other], strlen(ids[c[r].other]));
			pq_put_i32(w, (int32_t)r + 1);
			pq_put_double(w, (double)c[r].score);
			pq_put_i64(w, c[r].pair->sessions);
			pq_put_i64(w, c[r].pair->carted);
			pq_put_i64(w, c[r].pair->bought);
			rc = pq_end_row(w);
			(*rows)++;
		}
	}
	if (!rc) {
		rc = pq_writer_finish(w, out);
		w = NULL;
	}
out:
	if (w)
		pq_writer_abort(w);
	pp_free(start);
	pp_free(rank);
	pp_free(cand);
	return rc;
}

void item_pairs_release(struct item_pairs *p)
{
	pp_free(p->slots);
	memset(p, 0, sizeof(*p));
}
