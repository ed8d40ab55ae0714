/*
 * live.h - live features: every accepted event applied to the online store as it comes, so
 * a prediction right after an event sees it. Serving's collector calls live_apply for each
 * event once it is durable.
 *
 * Per event, in one online-store transaction (atomic against other collectors; see
 * online_store_transact): the visitor's clock (last event, session start) gives the session
 * (the event's own session_id, or "<visitor>-<start>" by the ETL's gap rule, so the ids
 * are the lake's); the session's clock and each view's stored state of the event's
 * entities are read, the event is added with the feature engine's own code, and the
 * states, the rows serving reads (as materialize writes them) and the clocks are written
 * back. Distinct counts count 52-bit hashes of the identifiers. See
 * docs/internals/features.md.
 */
#ifndef PP_LIVE_H
#define PP_LIVE_H

#include "event/event.h"
#include "features/online_store.h"
#include "features/registry.h"

struct live_features;

struct live_stats {
	uint64_t events, failed;
};

int live_open(struct live_features **out, const struct feature_registry *r, struct online_store *store,
	      int64_t session_gap_ms);

/* Applies one event; any thread. Errors name the store; nothing is half-applied. */
int live_apply(struct live_features *l, const struct event *ev);
/* The same, and the id of the session it went to (the event's, or the one the visitor's
 * clock gave) copied into session (NUL-terminated, cut to n - 1 bytes). */
int live_apply_session(struct live_features *l, const struct event *ev, char *session, size_t n);

/*
 * Applies evs[0..n) in order, with the values one live_apply each would give, in one
 * transaction where the store's transactions read their own writes (LMDB: one commit, one
 * sync, instead of n); otherwise, or when that transaction fails, one by one, so a bad
 * event costs only itself. session[i] (unless NULL) gets event i's session id ("" when it
 * failed), status[i] (unless NULL) its result. Returns the first failure, or 0.
 */
#define LIVE_SESSION_MAX 128
int live_apply_batch(struct live_features *l, const struct event *evs, size_t n, char (*session)[LIVE_SESSION_MAX],
		     int *status);

void live_get_stats(struct live_features *l, struct live_stats *st);
void live_close(struct live_features *l);

#endif
