/* Batch feature values into the online store, and serving's read of them (materialize.h). */
#include "features/materialize.h"
#include "core/err.h"
#include "core/mem.h"
#include "core/timeutil.h"
#include "features/engine.h"
#include "features/event_table.h"

#include <math.h>

#define PUT_BATCH 20000 /* rows per put: one LMDB transaction (its commit writes pages again) */
#define MARK_VIEW "@materialized" /* the blob of the store's last as-of (named apart from rows) */

static bool counts_time(const struct feature_def *f)
{
	return f->agg == AGG_TIME_SINCE_FIRST || f->agg == AGG_TIME_SINCE_LAST;
}

static const enum engine_key view_key[ENT__COUNT] = { [ENT_SESSION] = EK_SESSION,
						     [ENT_VISITOR] = EK_VISITOR, [ENT_ITEM] = EK_ITEM,
						     [ENT_CATEGORY] = EK_CATEGORY };

void online_row_finish(const struct feature_view *fv, int64_t as_of, int64_t last, struct online_row *row)
{
	for (size_t f = 0; f < fv->n; f++) /* time since: the time it counts from */
		if (counts_time(&fv->f[f]) && !isnan(row->v[f]))
			row->v[f] = (double)as_of / 1000.0 - row->v[f];
	row->n = fv->n;
	row->ts = last;
	row->expires = fv->ttl_ms ? last + fv->ttl_ms : 0;
}

/* The store's last as-of, read or written in a transaction of its own. */
struct mark {
	int64_t as_of; /* read: 0 when the store has none */
	bool write;
};

static int mark_txn(struct online_txn *t, void *vctx)
{
	struct mark *m = vctx;
	const struct online_key k = { MARK_VIEW, { "as_of", 5 } };
	struct span blob;
	bool found;
	int rc;

	if (m->write)
		return t->store->ops->txn_put_blob(t, &k, (struct span){ (const char *)&m->as_of, sizeof(m->as_of) },
						   m->as_of, 0);
	if ((rc = t->store->ops->txn_get(t, &k, 1, INT64_MIN, &blob, &found)))
		return rc;
	m->as_of = 0;
	if (found && blob.len == sizeof(m->as_of))
		memcpy(&m->as_of, blob.p, sizeof(m->as_of));
	return 0;
}

int features_materialize(struct lake_fs *fs, const struct feature_registry *r, struct online_store *store,
			 int64_t as_of, bool incremental, struct materialize_stats *st)
{
	struct mark mark = { 0, false };
	struct event_table ev;
	struct feature_engine *eng = NULL;
	const struct radix_rec *sorted;
	const char **names = NULL;
	uint8_t *kinds = NULL; /* per id: which keys it is (1 << enum engine_key) */
	struct online_key *keys = NULL;
	struct online_row *rows = NULL;
	size_t nrows = 0;
	int64_t version;
	uint64_t t0 = time_mono_ns();
	int rc;

	memset(st, 0, sizeof(*st));
	if ((rc = event_table_read(fs, "", &ev, &version)))
		goto out;
	st->events = ev.n;
	if (!(sorted = event_table_by_time(&ev)) || !(names = event_table_names(&ev)) ||
	    !(kinds = pp_calloc(ev.strings.count + 1, 1)) || !(keys = pp_calloc(PUT_BATCH, sizeof(*keys))) ||
	    !(rows = pp_calloc(PUT_BATCH, sizeof(*rows)))) {
		rc = PP_ENOMEM;
		goto out;
	}
	if (!as_of && ev.n)
		as_of = ev.ts[sorted[ev.n - 1].value];
	st->as_of = as_of;
	if (incremental) {
		if ((rc = online_store_transact(store, mark_txn, &mark)))
			goto out;
		st->since = mark.as_of;
		if (mark.as_of > as_of) {
			char want[32], have[32];
			time_format_rfc3339(as_of, want);
			time_format_rfc3339(mark.as_of, have);
			rc = pp_error(PP_EINVAL, "--incremental as of %s: the store holds values as of %s already "
				      "(materialize without --incremental to go back)", want, have);
			goto out;
		}
	}
	if ((rc = engine_open(&eng, r)))
		goto out;
	for (size_t k = 0; k < ev.n && !rc; k++) {
		size_t i = sorted[k].value;
		struct fe_event e = { .ts = ev.ts[i], .type = (enum event_type)ev.type[i], .price = ev.price[i] };
		if (ev.ts[i] > as_of)
			break;
		for (int key = 0; key < EK__COUNT; key++)
			if (ev.ids[i][key] >= 0)
				kinds[ev.ids[i][key]] |= (uint8_t)(1 << key);
		rc = engine_add_ids(eng, &e, ev.ids[i]);
	}
	for (size_t v = 0; v < r->nviews && !rc; v++) {
		const struct feature_view *fv = &r->views[v];
		enum engine_key key = view_key[fv->entity];
		for (size_t id = 0; id < ev.strings.count && !rc; id++) {
			struct online_row *row = &rows[nrows];
			int64_t last;
			if (!(kinds[id] & (1 << key)))
				continue;
			if (engine_view_values(eng, v, (int64_t)id, as_of, row->v, &last)) {
				st->expired++;
				continue;
			}
			if (last <= st->since) { /* incremental: nothing new, its row stays */
				st->unchanged++;
				continue;
			}
			online_row_finish(fv, as_of, last, row);
			keys[nrows] = (struct online_key){ fv->name, span_of(names[id]) };
			if (++nrows == PUT_BATCH) {
				rc = store->ops->put(store, keys, rows, nrows);
				st->rows += nrows;
				nrows = 0;
			}
		}
		if (!rc && nrows) {
			rc = store->ops->put(store, keys, rows, nrows);
			st->rows += nrows;
			nrows = 0;
		}
	}
	mark = (struct mark){ as_of, true };
	if (!rc)
		rc = online_store_transact(store, mark_txn, &mark);
out:
	st->seconds = (double)(time_mono_ns() - t0) / 1e9;
	engine_close(eng);
	pp_free(kinds);
	pp_free(names);
	pp_free(keys);
	pp_free(rows);
	event_table_release(&ev);
	return rc;
}

int online_vector(struct online_store *store, const struct feature_registry *r,
		  const struct span keys_of[ENT__COUNT], int64_t now, double *vec)
{
	struct online_found info;

	return online_vector_found(store, r, keys_of, now, vec, &info);
}

int online_vector_found(struct online_store *store, const struct feature_registry *r,
			const struct span keys_of[ENT__COUNT], int64_t now, double *vec, struct online_found *info)
{
	struct online_key keys[64];
	struct online_row *rows;
	bool found[64];
	struct civil c;
	int rc;

	if (r->nviews > 64)
		return pp_error(PP_ELIMIT, "online vector: %zu views (at most 64)", r->nviews);
	if (!(rows = pp_malloc(r->nviews * sizeof(*rows))))
		return PP_ENOMEM;
	for (size_t v = 0; v < r->nviews; v++)
		keys[v] = (struct online_key){ r->views[v].name, keys_of[r->views[v].entity] };
	/* an absent key (say, no item) has no row: ask only for the others */
	size_t ask[64], nask = 0;
	struct online_key asked[64];
	for (size_t v = 0; v < r->nviews; v++)
		if (keys[v].entity.len) {
			ask[nask] = v;
			asked[nask++] = keys[v];
		}
	for (size_t v = 0; v < r->nfeatures; v++)
		vec[v] = NAN;
	memset(info, 0, sizeof(*info));
	rc = nask ? store->ops->multi_get(store, asked, nask, now, rows, found) : 0;
	for (size_t a = 0; a < nask && !rc; a++) {
		const struct feature_view *fv = &r->views[ask[a]];
		if (!found[a] || rows[a].n != fv->n)
			continue;
		info->found[ask[a]] = true;
		info->ts[ask[a]] = rows[a].ts;
		for (size_t f = 0; f < fv->n; f++) {
			double x = rows[a].v[f];
			vec[fv->f[f].slot] = counts_time(&fv->f[f]) && !isnan(x) ? (double)now / 1000.0 - x : x;
		}
	}
	pp_free(rows);
	if (rc)
		return rc;
	civil_from_ms(now, &c);
	vec[r->nfeatures + REQ_HOUR] = c.hour;
	vec[r->nfeatures + REQ_WEEKDAY] = (c.wday + 6) % 7;
	registry_on_demand(r, vec);
	return 0;
}
