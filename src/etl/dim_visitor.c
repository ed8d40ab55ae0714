#include "etl/dim_visitor.h"
#include "etl/curated.h"
#include "core/err.h"
#include "core/mem.h"
#include "core/timeutil.h"

#include <math.h>

const struct pq_column_def dim_visitor_cols[DIM_VISITOR_NCOLS] = {
	{ "visitor_id", PQ_STRING, false, false },
	{ "first_seen", PQ_TIMESTAMP_MS, false, false },
	{ "last_seen", PQ_TIMESTAMP_MS, false, false },
	{ "active_days", PQ_INT64, false, false },
	{ "sessions", PQ_INT64, false, false },
	{ "events", PQ_INT64, false, false },
	{ "views", PQ_INT64, false, false },
	{ "carts", PQ_INT64, false, false },
	{ "removes", PQ_INT64, false, false },
	{ "purchases", PQ_INT64, false, false },
	{ "revenue", PQ_DOUBLE, false, false },
	{ "first_purchase", PQ_TIMESTAMP_MS, true, false },
	{ "last_purchase", PQ_TIMESTAMP_MS, true, false },
};

void dim_visitor_init(struct dim_visitor *d)
{
	rowmap_init(&d->m, sizeof(struct visitor_row));
}

struct visitor_row *dim_visitor_row(struct dim_visitor *d, const char *id, size_t len)
{
	const char *key;
	bool inserted;
	struct visitor_row *r = rowmap_get(&d->m, id, len, &key, &inserted);

	if (r && inserted)
		*r = (struct visitor_row){ .id = key, .first_seen = INT64_MAX, .last_seen = INT64_MIN,
					   .last_day = INT64_MIN };
	return r;
}

void dim_visitor_event(struct visitor_row *r, int64_t ts, enum event_type type, double price,
		       bool new_session)
{
	int64_t day = floor_div(ts, MS_PER_DAY);

	r->first_seen = ts < r->first_seen ? ts : r->first_seen;
	r->last_seen = ts > r->last_seen ? ts : r->last_seen;
	if (day != r->last_day) { /* a visitor's events come date by date */
		r->active_days++;
		r->last_day = day;
	}
	r->sessions += new_session;
	r->events++;
	r->counts[type]++;
	if (type != EV_TRANSACTION)
		return;
	if (!isnan(price))
		r->revenue += price;
	if (!r->first_purchase || ts < r->first_purchase)
		r->first_purchase = ts;
	if (ts > r->last_purchase)
		r->last_purchase = ts;
}

static int put_opt_ts(struct pq_writer *w, int64_t ts)
{
	return ts ? pq_put_i64(w, ts) : pq_put_null(w);
}

static int put_visitor(struct pq_writer *w, const void *row, void *ctx)
{
	const struct visitor_row *r = row;

	(void)ctx;
	pq_put_str(w, r->id, strlen(r->id));
	pq_put_i64(w, r->first_seen);
	pq_put_i64(w, r->last_seen);
	pq_put_i64(w, (int64_t)r->active_days);
	pq_put_i64(w, (int64_t)r->sessions);
	pq_put_i64(w, (int64_t)r->events);
	pq_put_i64(w, (int64_t)r->counts[EV_VIEW]);
	pq_put_i64(w, (int64_t)r->counts[EV_ADDTOCART]);
	pq_put_i64(w, (int64_t)r->counts[EV_REMOVEFROMCART]);
	pq_put_i64(w, (int64_t)r->counts[EV_TRANSACTION]);
	pq_put_double(w, r->revenue);
	put_opt_ts(w, r->first_purchase);
	return put_opt_ts(w, r->last_purchase);
}

int dim_visitor_encode(struct dim_visitor *d, struct buf *out, int64_t *rows)
{
	return curated_encode(d->m.rows, d->m.n, sizeof(struct visitor_row),
			      offsetof(struct visitor_row, id), NULL, dim_visitor_cols,
			      DIM_VISITOR_NCOLS, put_visitor, NULL, out, rows);
}

void dim_visitor_release(struct dim_visitor *d)
{
	rowmap_release(&d->m);
}
