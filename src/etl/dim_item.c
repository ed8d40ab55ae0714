#include "etl/dim_item.h"
#include "etl/curated.h"
#include "core/err.h"
#include "core/mem.h"
#include "core/strsort.h"

#include <math.h>

const struct pq_column_def dim_item_cols[DIM_ITEM_NCOLS] = {
	{ "item_id", PQ_STRING, false, false },
	{ "category_id", PQ_STRING, true, true },
	{ "category_path", PQ_STRING, true, true }, /* ids from the root, '/'-joined */
	{ "category_depth", PQ_INT32, true, false },
	{ "root_category_id", PQ_STRING, true, true },
	{ "available", PQ_BOOLEAN, true, false },
	{ "properties", PQ_STRING, true, false }, /* the other latest properties, JSON */
	{ "first_seen", PQ_TIMESTAMP_MS, true, false },
	{ "last_seen", PQ_TIMESTAMP_MS, true, false },
	{ "views", PQ_INT64, false, false },
	{ "carts", PQ_INT64, false, false },
	{ "removes", PQ_INT64, false, false },
	{ "purchases", PQ_INT64, false, false },
	{ "revenue", PQ_DOUBLE, false, false },
	{ "last_price", PQ_DOUBLE, true, false },
	{ "in_catalog", PQ_BOOLEAN, false, false },
};

void dim_item_init(struct dim_item *d)
{
	rowmap_init(&d->m, sizeof(struct item_row));
}

struct item_row *dim_item_row(struct dim_item *d, const char *id, size_t len)
{
	const char *key;
	bool inserted;
	struct item_row *r = rowmap_get(&d->m, id, len, &key, &inserted);

	if (r && inserted)
		*r = (struct item_row){ .id = key, .first_seen = INT64_MAX, .last_seen = INT64_MIN,
					.last_price = NAN, .last_price_ts = INT64_MIN,
					.category_ts = INT64_MIN };
	return r;
}

void dim_item_event(struct item_row *r, int64_t ts, enum event_type type, double price,
		    struct span category)
{
	r->first_seen = ts < r->first_seen ? ts : r->first_seen;
	r->last_seen = ts > r->last_seen ? ts : r->last_seen;
	r->counts[type]++;
	if (!isnan(price)) {
		if (type == EV_TRANSACTION)
			r->revenue += price;
		if (ts >= r->last_price_ts) {
			r->last_price = price;
			r->last_price_ts = ts;
		}
	}
	if (category.p && ts >= r->category_ts) {
		r->category = category.p;
		r->category_len = category.len;
		r->category_ts = ts;
	}
}

int dim_item_add_catalog(struct dim_item *d, const struct item_catalog *c)
{
	for (size_t i = 0; i < c->nitems; i++)
		if (!dim_item_row(d, c->items[i].id, strlen(c->items[i].id)))
			return PP_ENOMEM;
	return 0;
}

size_t *dim_item_order(const struct dim_item *d)
{
	return str_order(d->m.rows, d->m.n, sizeof(struct item_row), offsetof(struct item_row, id));
}

struct item_put {
	const struct item_catalog *c;
	struct buf path, props;
};

static int put_item(struct pq_writer *w, const void *row, void *ctx)
{
	const struct item_row *r = row;
	struct item_put *ip = ctx;
	const struct item_catalog_item *it = item_catalog_find(ip->c, r->id);
	const char *category = item_catalog_value(it, "categoryid");
	const char *available = item_catalog_value(it, "available");
	bool seen = r->first_seen != INT64_MAX;
	struct span root = { NULL, 0 };
	int depth = 0, rc;

	if (!category || !*category)
		category = r->category;
	if (category && (rc = item_catalog_path(ip->c, category, &ip->path, &depth, &root)))
		return rc;
	if (it && (rc = item_catalog_props_json(it, DIM_ITEM_PROPS_LIMIT, &ip->props)))
		return rc;
	pq_put_str(w, r->id, strlen(r->id));
	pq_put_opt_str(w, category);
	pq_put_opt_str(w, category ? ip->path.data : NULL);
	category ? pq_put_i32(w, depth) : pq_put_null(w);
	root.p ? pq_put_str(w, root.p, root.len) : pq_put_null(w);
	available ? pq_put_bool(w, strcmp(available, "0") != 0) : pq_put_null(w);
	pq_put_opt_str(w, it ? ip->props.data : NULL);
	seen ? pq_put_i64(w, r->first_seen) : pq_put_null(w);
	seen ? pq_put_i64(w, r->last_seen) : pq_put_null(w);
	pq_put_i64(w, (int64_t)r->counts[EV_VIEW]);
	pq_put_i64(w, (int64_t)r->counts[EV_ADDTOCART]);
	pq_put_i64(w, (int64_t)r->counts[EV_REMOVEFROMCART]);
	pq_put_i64(w, (int64_t)r->counts[EV_TRANSACTION]);
	pq_put_double(w, r->revenue);
	isnan(r->last_price) ? pq_put_null(w) : pq_put_double(w, r->last_price);
	return pq_put_bool(w, it != NULL);
}

int dim_item_encode(const struct dim_item *d, const size_t *order, const struct item_catalog *c,
		    struct buf *out, int64_t *rows)
{
	struct item_put ip = { c, BUF_INIT, BUF_INIT };
	int rc = curated_encode(d->m.rows, d->m.n, sizeof(struct item_row),
				offsetof(struct item_row, id), order, dim_item_cols, DIM_ITEM_NCOLS,
				put_item, &ip, out, rows);

	buf_release(&ip.path);
	buf_release(&ip.props);
	return rc;
}

void dim_item_release(struct dim_item *d)
{
	rowmap_release(&d->m);
}
