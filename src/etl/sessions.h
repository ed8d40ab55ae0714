/*
 * sessions.h - the curated/fact_sessions Delta table: one row per session of a date
 * (start, end, counts by event type, distinct items, cart value, purchased), written
 * while the ETL rewrites the date (see docs/internals/etl.md).
 *
 * A session_writer belongs to one date on one writer thread. Events come in visitor
 * and time order; new_session marks a session's first event. Strings passed in must
 * stay valid until session_writer_finish (the ETL's arena holds them).
 */
#ifndef PP_SESSIONS_H
#define PP_SESSIONS_H

#include "core/buf.h"
#include "event/event.h"
#include "lake/parquet/parquet.h"

#define SESSIONS_TABLE "curated/fact_sessions"
#define SESSIONS_NCOLS 13

extern const struct pq_column_def session_cols[SESSIONS_NCOLS];

struct session_writer {
	struct pq_writer *w;
	uint64_t rows;
	/* the open session */
	bool open;
	struct buf sid;
	const char *visitor;
	int64_t start, end;
	uint64_t counts[EV__COUNT];
	double cart_value;
	const char **items;
	size_t nitems, capitems;
};

int session_writer_open(struct session_writer *s);
/* Whether sid is the open session's id (so an event with it continues that session). */
bool session_writer_continues(const struct session_writer *s, struct span sid);
int session_writer_add(struct session_writer *s, struct span sid, bool new_session,
		       const char *visitor, int64_t ts, enum event_type type, const char *item,
		       double price /* NAN: none */);
/* Writes the last session and hands over the file. */
int session_writer_finish(struct session_writer *s, struct buf *out);
void session_writer_release(struct session_writer *s);

#endif
