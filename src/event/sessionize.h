/*
 * sessionize.h - splits each visitor's events into sessions.
 *
 * A visitor's session continues while the gap since their previous event is at most
 * `gap_ms`; a longer gap starts a new one. An event that carries its own session_id keeps
 * it. Generated ids are "<visitor_id>-<ms of the session's first event>", so the same
 * events always get the same ids, whichever run or process computes them.
 *
 * A session also ends at midnight UTC: the lake sessionizes each date on its own (so that
 * processing one date again never changes another's ids), and the live path does the same
 * (session_starts) so that its ids are the lake's.
 *
 * `started` follows these rules even for events with their own session_id.
 *
 * Input must be in time order per visitor (the ETL sorts first); an event older than the
 * visitor's previous one is refused with PP_EORDER rather than guessed at.
 */
#ifndef PP_SESSIONIZE_H
#define PP_SESSIONIZE_H

#include "core/buf.h"
#include "core/strmap.h"
#include "event/event.h"

struct sessionizer {
	int64_t gap_ms;
	struct strmap visitors; /* visitor_id -> index into state */
	struct visitor_session *state;
	size_t nstate, capstate;
	struct buf id; /* the id handed out by the last call */
};

void sessionizer_init(struct sessionizer *s, int64_t gap_ms);
void sessionizer_release(struct sessionizer *s);

/*
 * Assigns ev to a session. *id is valid until the next call; *started tells whether this
 * event opened a new session. Returns 0, PP_EORDER or PP_ENOMEM.
 */
int sessionizer_assign(struct sessionizer *s, const struct event *ev, struct span *id,
		       bool *started);

/* Whether an event at ts opens a new session after the visitor's previous one at last
 * (0: none): a gap longer than gap_ms, or another UTC date. */
bool session_starts(int64_t last, int64_t ts, int64_t gap_ms);

/* Formats a generated session id into out (reset first). */
int session_id_format(struct buf *out, struct span visitor_id, int64_t start_ts);

#endif
