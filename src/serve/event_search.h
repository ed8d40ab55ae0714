/*
 * event_search.h - finding events, what the old stack kept Elasticsearch and Kibana for:
 * the events the server accepted in the last events.recent (by their time) are held in
 * memory, newest first; older ones are read from the processed lake (processed/events),
 * a day partition at a time going back. Filters by visitor, session, item, type and time;
 * pages by a cursor (the last event's time and id). Any thread.
 */
#ifndef PP_EVENT_SEARCH_H
#define PP_EVENT_SEARCH_H

#include "core/buf.h"
#include "event/event.h"

struct event_search;
struct lake_fs;

struct event_query {
	struct span visitor, session, item; /* len 0: any */
	int type;                           /* enum event_type, or -1: any */
	int64_t from, to;                   /* ts in [from, to] */
	size_t limit;
	/* the cursor: only events before (ts, id) in the order (newest first) */
	bool after;
	int64_t cursor_ts;
	char cursor_id[130];
};

/* keep_ms: how far back the memory reaches; max: events held at most. */
int event_search_open(struct event_search **out, int64_t keep_ms, size_t max);
void event_search_close(struct event_search *es);

/* An accepted event; session: the session it went to (the event's or the live path's). */
int event_search_add(struct event_search *es, const struct event *ev, const char *session);

/* Matching events as JSON: {"events":[...], "next_cursor": "..."|null}; lake_days: how many
 * day partitions of processed/events are read at most (fs NULL: memory only). */
int event_search_query(struct event_search *es, struct lake_fs *fs, int lake_days, const struct event_query *q,
		       struct buf *out);

/* A session's items the memory holds, most recent first, each once with the strongest
 * thing done with it (a purchase over a cart over a view); with only a visitor, the
 * visitor's latest session. bought: the items the visitor bought (any session). Texts are
 * copied into the caller's arena-like buffer `text` (kept until it is released). */
struct held_items {
	struct span item[64];
	enum event_type type[64];
	size_t n;
	struct span bought[64];
	size_t nbought;
	struct buf text;
};
int event_search_session_items(struct event_search *es, struct span session, struct span visitor,
			       struct held_items *out);

/* A cursor's text ("<ts>_<event id>") into q; false when malformed. */
bool event_search_cursor(const char *text, struct event_query *q);

#endif
