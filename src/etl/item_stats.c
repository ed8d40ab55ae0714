#include "etl/item_stats.h"
#include "etl/curated.h"
#include "core/err.h"
#include "core/mem.h"

#include <math.h>

const struct pq_column_def item_stats_cols[ITEM_STATS_NCOLS] = {
	{ "item_id", PQ_STRING, false, false },
	{ "views", PQ_INT64, false, false },
	{ "carts", PQ_INT64, false, false },
	{ "removes", PQ_INT64, false, false },
	{ "purchases", PQ_INT64, false, false },
	{ "revenue", PQ_DOUBLE, false, false }, /* the prices of its purchases */
	{ "visitors", PQ_INT64, false, false },
	{ "sessions", PQ_INT64, false, false },
};

void item_stats_init(struct item_stats *s)
{
	memset(s, 0, sizeof(*s));
	rowmap_init(&s->m, sizeof(struct item_stat));
}

int item_stats_add(struct item_stats *s, struct span item, const char *visitor, bool new_session,
		   enum event_type type, double price)
{
	const char *key;
	bool inserted;
	struct item_stat *st = rowmap_get(&s->m, item.p, item.len, &key, &inserted);

	if (!st)
		return PP_ENOMEM;
	if (inserted)
		st->item = key;
	s->session += new_session;
	st->counts[type]++;
	if (type == EV_TRANSACTION && !isnan(price))
		st->revenue += price;
	if (st->last_visitor != visitor && (!st->last_visitor || strcmp(st->last_visitor, visitor))) {
		st->visitors++;
		st->last_visitor = visitor;
	}
	if (!st->sessions || st->last_session != s->session) {
		st->sessions++;
		st->last_session = s->session;
	}
	return 0;
}

static int put_item(struct pq_writer *w, const void *row, void *ctx)
{
	const struct item_stat *st = row;

	(void)ctx;
	pq_put_str(w, st->item, strlen(st->item));
	pq_put_i64(w, (int64_t)st->counts[EV_VIEW]);
	pq_put_i64(w, (int64_t)st->counts[EV_ADDTOCART]);
	pq_put_i64(w, (int64_t)st->counts[EV_REMOVEFROMCART]);
	pq_put_i64(w, (int64_t)st->counts[EV_TRANSACTION]);
	pq_put_double(w, st->revenue);
	pq_put_i64(w, (int64_t)st->visitors);
	return pq_put_i64(w, (int64_t)st->sessions);
}

int item_stats_encode(struct item_stats *s, struct buf *out, uint64_t *rows)
{
	int64_t n = 0;
	int rc = curated_encode(s->m.rows, s->m.n, sizeof(struct item_stat),
				offsetof(struct item_stat, item), NULL, item_stats_cols,
				ITEM_STATS_NCOLS, put_item, NULL, out, &n);

	*rows = (uint64_t)n;
	return rc;
}

void item_stats_release(struct item_stats *s)
{
	rowmap_release(&s->m);
}
