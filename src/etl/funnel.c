#include "etl/funnel.h"
#include "core/err.h"
#include "lake/delta/delta.h"

#include <math.h>

static const struct pq_column_def funnel_cols[] = {
	{ "views", PQ_INT64, false, false },
	{ "carts", PQ_INT64, false, false },
	{ "purchases", PQ_INT64, false, false },
	{ "visitors", PQ_INT64, false, false },
	{ "sessions", PQ_INT64, false, false },
	{ "cart_sessions", PQ_INT64, false, false },
	{ "purchase_sessions", PQ_INT64, false, false },
	/* shares of sessions; null where the step before had none */
	{ "view_to_cart", PQ_DOUBLE, true, false },
	{ "cart_to_purchase", PQ_DOUBLE, true, false },
	{ "conversion", PQ_DOUBLE, true, false },
};

static void close_session(struct funnel_day *f)
{
	if (!f->in_session)
		return;
	f->cart_sessions += f->session_cart;
	f->purchase_sessions += f->session_purchase;
	f->in_session = f->session_cart = f->session_purchase = false;
}

void funnel_count(struct funnel_day *f, enum event_type type, bool new_visitor, bool new_session)
{
	if (new_visitor)
		f->visitors++;
	if (new_visitor || new_session || !f->in_session) {
		close_session(f);
		f->in_session = true;
		f->sessions++;
	}
	switch (type) {
	case EV_VIEW:
		f->views++;
		break;
	case EV_ADDTOCART:
		f->carts++;
		f->session_cart = true;
		break;
	case EV_TRANSACTION:
		f->purchases++;
		f->session_purchase = true;
		break;
	default:
		break;
	}
}

void funnel_finish(struct funnel_day *f)
{
	close_session(f);
}

static int put_share(struct pq_writer *w, uint64_t part, uint64_t whole)
{
	return whole ? pq_put_double(w, (double)part / (double)whole) : pq_put_null(w);
}

static int encode_day(const struct funnel_day *f, struct buf *out)
{
	struct pq_writer_opts o;
	struct pq_writer *w;
	int rc;

	pq_writer_opts_default(&o);
	if ((rc = pq_writer_open(&w, funnel_cols, ARRAY_SIZE(funnel_cols), &o)))
		return rc;
	pq_put_i64(w, (int64_t)f->views);
	pq_put_i64(w, (int64_t)f->carts);
	pq_put_i64(w, (int64_t)f->purchases);
	pq_put_i64(w, (int64_t)f->visitors);
	pq_put_i64(w, (int64_t)f->sessions);
	pq_put_i64(w, (int64_t)f->cart_sessions);
	pq_put_i64(w, (int64_t)f->purchase_sessions);
	put_share(w, f->cart_sessions, f->sessions);
	put_share(w, f->purchase_sessions, f->cart_sessions);
	put_share(w, f->purchase_sessions, f->sessions);
	if ((rc = pq_end_row(w))) {
		pq_writer_abort(w);
		return rc;
	}
	return pq_writer_finish(w, out);
}

int funnel_commit(struct lake_fs *fs, const struct funnel_day *days, size_t n)
{
	static const char *const part[] = { "event_date" };
	struct delta_field fields[ARRAY_SIZE(funnel_cols) + 1];
	struct delta_snapshot snap;
	struct delta_txn t;
	struct buf file = BUF_INIT;
	bool have_snap;
	size_t i;
	int rc = delta_snapshot_load(fs, FUNNEL_TABLE, -1, &snap);

	if (rc && rc != PP_ENOENT)
		return rc;
	have_snap = rc == 0;
	pp_error_clear();
	rc = 0;
	delta_txn_begin(&t, fs, FUNNEL_TABLE, have_snap ? &snap : NULL);
	if (!have_snap) {
		delta_fields_of(funnel_cols, ARRAY_SIZE(funnel_cols), part[0], fields);
		delta_txn_metadata(&t, fields, ARRAY_SIZE(fields), part, 1);
	}
	for (i = 0; i < n && !rc; i++) {
		const char *pv[1] = { days[i].date };
		if (have_snap)
			delta_txn_remove_partition(&t, &snap, days[i].date);
		buf_reset(&file);
		if ((rc = encode_day(&days[i], &file)))
			break;
		delta_txn_add_parquet(&t, pv, &file, 1, NULL);
		rc = t.rc;
	}
	if (!rc)
		rc = delta_txn_commit(&t, have_snap ? "MERGE" : "WRITE", NULL);
	else
		delta_txn_abort(&t);
	if (have_snap)
		delta_snapshot_release(&snap);
	buf_release(&file);
	return rc;
}
