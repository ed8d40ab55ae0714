#include "etl/sessions.h"
#include "core/err.h"
#include "core/mem.h"

#include <math.h>

const struct pq_column_def session_cols[SESSIONS_NCOLS] = {
	{ "session_id", PQ_STRING, false, false },
	{ "visitor_id", PQ_STRING, false, false },
	{ "start_ts", PQ_TIMESTAMP_MS, false, false },
	{ "end_ts", PQ_TIMESTAMP_MS, false, false },
	{ "duration_ms", PQ_INT64, false, false },
	{ "events", PQ_INT64, false, false },
	{ "views", PQ_INT64, false, false },
	{ "carts", PQ_INT64, false, false },
	{ "removes", PQ_INT64, false, false },
	{ "purchases", PQ_INT64, false, false },
	{ "items", PQ_INT64, false, false },       /* distinct item_ids */
	{ "cart_value", PQ_DOUBLE, false, false }, /* the prices of its add-to-carts */
	{ "purchased", PQ_BOOLEAN, false, false },
};

int session_writer_open(struct session_writer *s)
{
	struct pq_writer_opts o;

	memset(s, 0, sizeof(*s));
	buf_init(&s->sid, 0);
	pq_writer_opts_default(&o);
	return pq_writer_open(&s->w, session_cols, SESSIONS_NCOLS, &o);
}

static int by_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int write_session(struct session_writer *s)
{
	uint64_t events = 0, distinct = 0;
	size_t i;

	if (!s->open)
		return 0;
	for (i = 0; i < EV__COUNT; i++)
		events += s->counts[i];
	qsort(s->items, s->nitems, sizeof(*s->items), by_str);
	for (i = 0; i < s->nitems; i++)
		distinct += !i || strcmp(s->items[i], s->items[i - 1]);
	pq_put_str(s->w, s->sid.data, s->sid.len);
	pq_put_str(s->w, s->visitor, strlen(s->visitor));
	pq_put_i64(s->w, s->start);
	pq_put_i64(s->w, s->end);
	pq_put_i64(s->w, s->end - s->start);
	pq_put_i64(s->w, (int64_t)events);
	pq_put_i64(s->w, (int64_t)s->counts[EV_VIEW]);
	pq_put_i64(s->w, (int64_t)s->counts[EV_ADDTOCART]);
	pq_put_i64(s->w, (int64_t)s->counts[EV_REMOVEFROMCART]);
	pq_put_i64(s->w, (int64_t)s->counts[EV_TRANSACTION]);
	pq_put_i64(s->w, (int64_t)distinct);
	pq_put_double(s->w, s->cart_value);
	pq_put_bool(s->w, s->counts[EV_TRANSACTION] > 0);
	s->rows++;
	s->open = false;
	return pq_end_row(s->w);
}

bool session_writer_continues(const struct session_writer *s, struct span sid)
{
	return s->open && sid.len == s->sid.len && !memcmp(sid.p, s->sid.data, sid.len);
}

int session_writer_add(struct session_writer *s, struct span sid, bool new_session,
		       const char *visitor, int64_t ts, enum event_type type, const char *item,
		       double price)
{
	int rc;

	if (new_session || !s->open) {
		if ((rc = write_session(s)))
			return rc;
		buf_reset(&s->sid);
		if ((rc = buf_append(&s->sid, sid.p, sid.len)))
			return rc;
		s->open = true;
		s->visitor = visitor;
		s->start = ts;
		memset(s->counts, 0, sizeof(s->counts));
		s->cart_value = 0;
		s->nitems = 0;
	}
	if (pp_array_grow(&s->items, s->nitems, &s->capitems, sizeof(*s->items), 64))
		return PP_ENOMEM;
	s->items[s->nitems++] = item;
	s->end = ts;
	s->counts[type]++;
	if (type == EV_ADDTOCART && !isnan(price))
		s->cart_value += price;
	return 0;
}

int session_writer_finish(struct session_writer *s, struct buf *out)
{
	int rc = write_session(s);
	struct pq_writer *w = s->w;

	s->w = NULL;
	if (rc) {
		pq_writer_abort(w);
		return rc;
	}
	return pq_writer_finish(w, out);
}

void session_writer_release(struct session_writer *s)
{
	if (s->w)
		pq_writer_abort(s->w);
	pp_free(s->items);
	buf_release(&s->sid);
	memset(s, 0, sizeof(*s));
}
