#include "etl/funnel.h"
#include "core/err.h"

#include <math.h>

const struct pq_column_def funnel_cols[FUNNEL_NCOLS] = {
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

int funnel_encode(const struct funnel_day *f, struct buf *out)
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
