/* Batch feature values into the online store, and serving's read of them (materialize.h). */
#include "features/materialize.h"
#include "core/err.h"
#include "core/mem.h"
#include "core/timeutil.h"
#include "core/parallel.h"
#include "core/strsort.h"
#include "features/columns.h"
#include "features/engine.h"
#include "features/event_table.h"

#include <math.h>

#define PUT_BATCH 20000 /* rows per put: one LMDB transaction (its commit writes pages again) */
#define MARK_VIEW "@materialized" /* the blob of the store's last as-of (named apart from rows) */

static bool counts_time(const struct feature_def *f)
{
	return f->agg == AGG_TIME_SINCE_FIRST || f->agg == AGG_TIME_SINCE_LAST;
}

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

/* A row the replay found: which view and entity, its last event's time, where its values
 * start in its worker's `vals`. */
struct found_row {
	uint32_t view;
	int32_t id;
	int64_t last;
	size_t at;
};

/* One worker's rows, as the replay finishes its entities, their values one after another. */
struct found_rows {
	struct found_row *row;
	size_t n, cap;
	double *vals;
	size_t nvals, capvals;
};

struct collect {
	const struct feature_registry *r;
	int64_t since;       /* incremental: entities with no event after it are kept */
	uint64_t unchanged;
	struct found_rows *w; /* per worker */
};

/* columns_final's calls: an entity's values kept by the worker that replayed it. */
static int collect_row(void *ctx, unsigned worker, size_t view, int32_t id, int64_t last, const double *vals)
{
	struct collect *c = ctx;
	struct found_rows *f = &c->w[worker];
	size_t nv = c->r->views[view].n;

	if (last <= c->since) { /* incremental: nothing new, its row stays */
		__atomic_add_fetch(&c->unchanged, 1, __ATOMIC_RELAXED);
		return 0;
	}
	if (pp_array_grow(&f->row, f->n, &f->cap, sizeof(*f->row), 4096))
		return PP_ENOMEM;
	while (f->nvals + nv > f->capvals)
		if (pp_array_grow(&f->vals, f->capvals, &f->capvals, sizeof(*f->vals), 65536))
			return PP_ENOMEM;
	f->row[f->n++] = (struct found_row){ (uint32_t)view, id, last, f->nvals };
	memcpy(f->vals + f->nvals, vals, nv * sizeof(double));
	f->nvals += nv;
	return 0;
}

/* A row the workers found, by its entity's name. */
struct row_ref {
	const char *name;
	uint32_t worker, k;
};

/*
 * The rows the workers found, view by view in their keys' order, into the store PUT_BATCH
 * at a time: an LMDB commit then rewrites the few pages a run of neighbouring keys fills,
 * not a page per row.
 */
static int put_rows(struct online_store *store, const struct feature_registry *r, const struct found_rows *w,
		    unsigned nw, const char **names, int64_t as_of, struct online_key *keys,
		    struct online_row *rows, struct materialize_stats *st)
{
	size_t total = 0, nrows = 0;
	struct row_ref *ref;
	int rc = 0;

	for (unsigned k = 0; k < nw; k++)
		total += w[k].n;
	if (!(ref = pp_malloc((total + 1) * sizeof(*ref))))
		return PP_ENOMEM;
	for (size_t v = 0; v < r->nviews && !rc; v++) {
		const struct feature_view *fv = &r->views[v];
		size_t m = 0, *order;
		for (unsigned k = 0; k < nw; k++)
			for (size_t j = 0; j < w[k].n; j++)
				if (w[k].row[j].view == v)
					ref[m++] = (struct row_ref){ names[w[k].row[j].id], k, (uint32_t)j };
		if (!(order = str_order(ref, m, sizeof(*ref), offsetof(struct row_ref, name)))) {
			rc = PP_ENOMEM;
			break;
		}
		for (size_t i = 0; i < m && !rc; i++) {
			const struct row_ref *x = &ref[order[i]];
			const struct found_rows *f = &w[x->worker];
			struct online_row *row = &rows[nrows];
			memcpy(row->v, f->vals + f->row[x->k].at, fv->n * sizeof(double));
			online_row_finish(fv, as_of, f->row[x->k].last, row);
			keys[nrows] = (struct online_key){ fv->name, span_of(x->name) };
			if (++nrows == PUT_BATCH || i + 1 == m) {
				rc = store->ops->put(store, keys, rows, nrows);
				st->rows += nrows;
				nrows = 0;
			}
		}
		pp_free(order);
	}
	pp_free(ref);
	return rc;
}

int features_materialize(struct lake_fs *fs, const struct feature_registry *r, struct online_store *store,
			 int64_t as_of, bool incremental, struct materialize_stats *st)
{
	struct mark mark = { 0, false };
	struct event_table ev;
	const struct radix_rec *sorted;
	struct replay_event *rep = NULL;
	const char **names = NULL;
	struct online_key *keys = NULL;
	struct online_row *rows = NULL;
	unsigned threads = parallel_threads();
	struct collect col = { .r = r };
	size_t n = 0;
	int64_t version;
	uint64_t t0 = time_mono_ns();
	int rc;

	memset(st, 0, sizeof(*st));
	if ((rc = event_table_read(fs, "", &ev, &version)))
		goto out;
	st->events = ev.n;
	if (ev.strings.count > INT32_MAX || ev.n > INT32_MAX) {
		rc = pp_error(PP_ELIMIT, "processed/events: materialize takes at most 2^31 events and ids");
		goto out;
	}
	if (!(sorted = event_table_by_time(&ev)) || !(names = event_table_names(&ev)) ||
	    !(rep = pp_malloc((ev.n + 1) * sizeof(*rep))) || !(keys = pp_calloc(PUT_BATCH, sizeof(*keys))) ||
	    !(rows = pp_calloc(PUT_BATCH, sizeof(*rows))) || !(col.w = pp_calloc(threads, sizeof(*col.w)))) {
		rc = PP_ENOMEM;
		goto out;
	}
	if (!as_of && ev.n)
		as_of = ev.ts[sorted[ev.n - 1].value];
	st->as_of = as_of;
	if (incremental) {
		if ((rc = online_store_transact(store, mark_txn, &mark)))
			goto out;
		st->since = col.since = mark.as_of;
		if (mark.as_of > as_of) {
			char want[32], have[32];
			time_format_rfc3339(as_of, want);
			time_format_rfc3339(mark.as_of, have);
			rc = pp_error(PP_EINVAL, "--incremental as of %s: the store holds values as of %s already "
				      "(materialize without --incremental to go back)", want, have);
			goto out;
		}
	}
	/* the events up to as_of, each view's entities replayed on their own (columns.h) */
	while (n < ev.n && ev.ts[sorted[n].value] <= as_of)
		n++;
	if ((rc = columns_replay_events(&ev, sorted, n, rep)) ||
	    (rc = columns_final(r, rep, n, ev.strings.count + 1, as_of, collect_row, &col, threads, &st->expired)))
		goto out;
	st->unchanged = col.unchanged;
	rc = put_rows(store, r, col.w, threads, names, as_of, keys, rows, st);
	mark = (struct mark){ as_of, true };
	if (!rc)
		rc = online_store_transact(store, mark_txn, &mark);
out:
	st->seconds = (double)(time_mono_ns() - t0) / 1e9;
	for (unsigned k = 0; col.w && k < threads; k++) {
		pp_free(col.w[k].row);
		pp_free(col.w[k].vals);
	}
	pp_free(col.w);
	pp_free(rep);
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
