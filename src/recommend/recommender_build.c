/* Building a recommender from the lake or from a window's events (recommender_build.h). */
#include "recommend/recommender_build.h"
#include "core/err.h"
#include "core/mem.h"
#include "etl/item_item.h"
#include "lake/delta/delta_rows.h"

/* Each row of a table's columns to fn; PP_ENOENT with the table named when it is absent. */
static int each_row(struct lake_fs *fs, const char *table, const char *const *names, size_t n,
		    int (*fn)(struct recommender *r, const struct cell *const *c), struct recommender *r)
{
	struct delta_reader rd;
	int rc;

	if ((rc = delta_reader_open(&rd, fs, table, names, n))) {
		delta_reader_close(&rd);
		return rc == PP_ENOENT ? pp_error(rc, "%s: no such table (run `ppredict etl` first)", table) : rc;
	}
	while (!rc && !(rc = delta_reader_next(&rd)) && rd.scan.rows)
		for (size_t i = 0; i < rd.scan.rows && !rc; i++) {
			const struct cell *c[8];
			delta_reader_row(&rd, i);
			for (size_t k = 0; k < n; k++)
				c[k] = &rd.row[rd.ix[k]];
			rc = fn(r, c);
		}
	delta_reader_close(&rd);
	return rc;
}

static uint64_t count_of(const struct cell *c)
{
	return c->null || c->i < 0 ? 0 : (uint64_t)c->i;
}

static int item_row(struct recommender *r, const struct cell *const *c)
{
	uint32_t it;

	if (c[0]->null || !c[0]->s.len)
		return 0;
	if ((it = recommender_item(r, c[0]->s)) == UINT32_MAX)
		return PP_ENOMEM;
	return c[1]->null ? 0 : recommender_set_category(r, it, c[1]->s);
}

static int stats_row(struct recommender *r, const struct cell *const *c)
{
	uint32_t it;

	if (c[0]->null || !c[0]->s.len)
		return 0;
	if ((it = recommender_item(r, c[0]->s)) == UINT32_MAX)
		return PP_ENOMEM;
	recommender_add_stats(r, it, count_of(c[1]), count_of(c[2]), count_of(c[3]));
	return 0;
}

static int pair_row(struct recommender *r, const struct cell *const *c)
{
	uint32_t a, b;

	if (c[0]->null || c[1]->null)
		return 0;
	if ((a = recommender_item(r, c[0]->s)) == UINT32_MAX || (b = recommender_item(r, c[1]->s)) == UINT32_MAX)
		return PP_ENOMEM;
	return recommender_add_pair(r, a, b, (uint32_t)count_of(c[2]), (uint32_t)count_of(c[3]),
				    (uint32_t)count_of(c[4]));
}

int recommender_from_lake(struct recommender **out, struct lake_fs *fs)
{
	static const char *const items[] = { "item_id", "category_id" };
	static const char *const stats[] = { "item_id", "views", "carts", "purchases" };
	static const char *const pairs[] = { "item_id", "other_item_id", "sessions", "carted", "bought" };
	struct recommender *r;
	int rc;

	if ((rc = recommender_new(&r)) || (rc = each_row(fs, "curated/dim_item", items, 2, item_row, r)) ||
	    (rc = each_row(fs, "curated/agg_item_stats", stats, 4, stats_row, r)) ||
	    (rc = each_row(fs, ITEM_ITEM_TABLE, pairs, 5, pair_row, r)) || (rc = recommender_finish(r))) {
		recommender_free(r);
		*out = NULL;
		return rc;
	}
	*out = r;
	return 0;
}

int event_table_sessions(struct event_table *t, uint32_t **first_out, uint32_t **rows_out)
{
	size_t ns = t->strings.count + 1;
	uint32_t *first = pp_calloc(ns + 1, sizeof(*first)), *rows = pp_malloc((t->n + 1) * sizeof(*rows));
	const struct radix_rec *order = event_table_by_time(t);

	*first_out = *rows_out = NULL;
	if (!first || !rows || !order) {
		pp_free(first);
		pp_free(rows);
		return PP_ENOMEM;
	}
	for (size_t i = 0; i < t->n; i++) /* a counting sort by session, stable in time */
		if (t->ids[i][EK_SESSION] >= 0)
			first[t->ids[i][EK_SESSION] + 1]++;
	for (size_t s = 0; s < ns; s++)
		first[s + 1] += first[s];
	{
		uint32_t *at = pp_malloc(ns * sizeof(*at));
		if (!at) {
			pp_free(first);
			pp_free(rows);
			return PP_ENOMEM;
		}
		memcpy(at, first, ns * sizeof(*at));
		for (size_t k = 0; k < t->n; k++) {
			size_t i = order[k].value;
			if (t->ids[i][EK_SESSION] >= 0)
				rows[at[t->ids[i][EK_SESSION]]++] = (uint32_t)i;
		}
		pp_free(at);
	}
	*first_out = first;
	*rows_out = rows;
	return 0;
}

int recommender_from_events(struct recommender **out, struct event_table *t, int64_t before)
{
	struct recommender *r = NULL;
	struct item_pairs pairs;
	uint32_t *first = NULL, *rows = NULL;
	size_t ns = t->strings.count;
	int rc;

	item_pairs_init(&pairs);
	if ((rc = recommender_new(&r)) || (rc = event_table_sessions(t, &first, &rows)))
		goto out;
	for (size_t s = 0; s < ns && !rc; s++) {
		if (first[s] == first[s + 1] || t->ts[rows[first[s]]] >= before)
			continue; /* not a session, or one of the window left out */
		for (uint32_t k = first[s]; k < first[s + 1] && !rc; k++) {
			size_t i = rows[k];
			int64_t id = t->ids[i][EK_ITEM];
			uint32_t it;
			if (id < 0)
				continue;
			if ((it = recommender_item(r, span_of(t->item[i]))) == UINT32_MAX) {
				rc = PP_ENOMEM;
				break;
			}
			recommender_add_stats(r, it, t->type[i] == EV_VIEW, t->type[i] == EV_ADDTOCART,
					      t->type[i] == EV_TRANSACTION);
			if (t->category[i][0])
				rc = recommender_set_category(r, it, span_of(t->category[i]));
			item_pairs_touch(&pairs, it, (enum event_type)t->type[i]);
		}
		if (!rc)
			rc = item_pairs_end_session(&pairs);
	}
	for (size_t i = 0; i < pairs.cap && !rc; i++) {
		const struct item_pair *p = &pairs.slots[i];
		uint32_t a = (uint32_t)(p->key >> 32) - 1, b = (uint32_t)(p->key & 0xffffffffu) - 1;
		if (!p->key)
			continue;
		if (!(rc = recommender_add_pair(r, a, b, p->sessions, p->carted, p->bought)))
			rc = recommender_add_pair(r, b, a, p->sessions, p->carted, p->bought);
	}
	if (!rc)
		rc = recommender_finish(r);
out:
	item_pairs_release(&pairs);
	pp_free(first);
	pp_free(rows);
	if (rc) {
		recommender_free(r);
		r = NULL;
	}
	*out = r;
	return rc;
}
