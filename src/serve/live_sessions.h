/*
 * live_sessions.h - the shop right now: the sessions with an event in the last session gap
 * (by the stream's clock: the newest event time the server accepted), each with its latest
 * purchase probability, made by the champion from the live features right after the event.
 * What GET /v1/sessions/live pages through and the dashboard's Live page shows. Safe from
 * any thread; old sessions are dropped as the clock moves.
 */
#ifndef PP_LIVE_SESSIONS_H
#define PP_LIVE_SESSIONS_H

#include "core/buf.h"
#include "event/event.h"

struct live_sessions;

int live_sessions_open(struct live_sessions **out, int64_t gap_ms);
void live_sessions_close(struct live_sessions *ls);

/* An accepted event of session `session`; probability NaN when no model is served. */
int live_sessions_event(struct live_sessions *ls, const struct event *ev, const char *session,
			double probability, const char *model);

enum live_order { LIVE_BY_PROBABILITY, LIVE_BY_RECENT };

/* The page as JSON: {now, active, events_last_minute, predictions, mean_probability,
 * above_threshold, sessions:[...], next_offset}; sessions below min_probability left out. */
int live_sessions_page(struct live_sessions *ls, enum live_order order, size_t offset, size_t limit,
		       double min_probability, double threshold, uint64_t predictions, struct buf *out);

#endif
