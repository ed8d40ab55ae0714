#include "event/sessionize.h"
#include "core/err.h"
#include "core/mem.h"
#include "core/timeutil.h"

struct visitor_session {
	int64_t start_ts;
	int64_t last_ts;
};

void sessionizer_init(struct sessionizer *s, int64_t gap_ms)
{
	s->gap_ms = gap_ms;
	strmap_init(&s->visitors);
	s->state = NULL;
	s->nstate = s->capstate = 0;
	buf_init(&s->id, 0);
}

void sessionizer_release(struct sessionizer *s)
{
	strmap_release(&s->visitors);
	pp_free(s->state);
	s->state = NULL;
	s->nstate = s->capstate = 0;
	buf_release(&s->id);
}

int session_id_format(struct buf *out, struct span visitor_id, int64_t start_ts)
{
	int rc;

	buf_reset(out);
	if ((rc = buf_append(out, visitor_id.p, visitor_id.len)) || (rc = buf_putc(out, '-')))
		return rc;
	return buf_put_i64(out, start_ts);
}

bool session_starts(int64_t last, int64_t ts, int64_t gap_ms)
{
	return !last || ts - last > gap_ms || floor_div(ts, MS_PER_DAY) != floor_div(last, MS_PER_DAY);
}

int sessionizer_assign(struct sessionizer *s, const struct event *ev, struct span *id,
		       bool *started)
{
	struct strmap_slot *slot;
	struct visitor_session *vs;
	bool inserted;
	int rc;

	/* Room for a new visitor first, so a failed insert leaves nothing half-made. */
	if (pp_array_grow(&s->state, s->nstate, &s->capstate, sizeof(*s->state), 1024))
		return PP_ENOMEM;
	slot = strmap_put(&s->visitors, ev->visitor_id.p, ev->visitor_id.len, &inserted);
	if (!slot)
		return PP_ENOMEM;
	if (inserted) {
		slot->value = s->nstate++;
		vs = &s->state[slot->value];
		vs->start_ts = ev->ts;
		vs->last_ts = ev->ts;
		*started = true;
	} else {
		vs = &s->state[slot->value];
		if (ev->ts < vs->last_ts)
			return pp_error(PP_EORDER, "visitor %.*s: event at %" PRId64 " is older than the "
					"previous one at %" PRId64, (int)ev->visitor_id.len,
					ev->visitor_id.p, ev->ts, vs->last_ts);
		*started = session_starts(vs->last_ts, ev->ts, s->gap_ms);
		if (*started)
			vs->start_ts = ev->ts;
		vs->last_ts = ev->ts;
	}
	if (ev->session_id.len) {
		*id = ev->session_id;
		return 0;
	}
	if ((rc = session_id_format(&s->id, ev->visitor_id, vs->start_ts)))
		return rc;
	id->p = s->id.data;
	id->len = s->id.len;
	return 0;
}
