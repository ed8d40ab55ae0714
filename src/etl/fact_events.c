#include "etl/fact_events.h"
#include "core/timeutil.h"

#include <math.h>

const struct pq_column_def fact_events_cols[FACT_EVENTS_NCOLS] = {
	{ "ts", PQ_TIMESTAMP_MS, false, false },
	{ "hour", PQ_INT32, false, false }, /* of the day, UTC */
	{ "session_id", PQ_STRING, false, false },
	{ "session_seq", PQ_INT32, false, false },
	{ "visitor_id", PQ_STRING, false, false },
	{ "item_id", PQ_STRING, false, false },
	{ "category_id", PQ_STRING, true, true },
	{ "event", PQ_STRING, false, true },
	{ "price", PQ_DOUBLE, true, false },
	{ "transaction_id", PQ_STRING, true, false },
};

int fact_events_put(struct pq_writer *w, const struct fact_event *f)
{
	const char *type = event_type_name(f->type);

	pq_put_i64(w, f->ts);
	pq_put_i32(w, (int32_t)(floor_div(f->ts, MS_PER_HOUR) % 24 + 24) % 24);
	pq_put_str(w, f->session_id.p, f->session_id.len);
	pq_put_i32(w, f->seq);
	pq_put_str(w, f->visitor.p, f->visitor.len);
	pq_put_str(w, f->item.p, f->item.len);
	pq_put_opt_str(w, f->category_id);
	pq_put_str(w, type, strlen(type));
	isnan(f->price) ? pq_put_null(w) : pq_put_double(w, f->price);
	pq_put_opt_str(w, f->transaction_id);
	return pq_end_row(w);
}
