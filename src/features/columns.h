/*
 * columns.h - a training set's view features, view by view: each view's events grouped
 * by its entity, each entity replayed on its own through one state (engine_entity_*, the
 * code the live path runs), its values at each prediction point written into the view's
 * block. Entities do not see each other, so the views and shares of their entities go to
 * threads; the values are those the feature engine's replay of all events in time order
 * gives (engine.h), without a state per entity in memory at once.
 */
#ifndef PP_COLUMNS_H
#define PP_COLUMNS_H

#include "features/engine.h"

/* An event of the replay, in time order. */
struct replay_event {
	int64_t ts;
	int64_t prev[2];       /* by EK_SESSION, EK_VISITOR: the previous event time of its
				* session, of its visitor (0: none) */
	int32_t id[EK__COUNT]; /* dense ids (-1: none) */
	int32_t point;         /* its prediction point's row, -1: not one */
	uint8_t type;          /* enum event_type */
	double price;          /* NAN: none */
};

/*
 * The views' values at the points of ev (n events in time order, ids below nids, the
 * points numbered from 0 by their `point`): block[v] gets a row of view v's features (its
 * order) per point, NaN where the view has nothing (no key, nothing yet, past its TTL).
 * threads: how many to use.
 */
int columns_compute(const struct feature_registry *r, const struct replay_event *ev, size_t n, size_t nids,
		    double *const *block, unsigned threads);

/*
 * The same replay for the online store: each entity's values as of `as_of` (after its last
 * event of ev, whose events must all be at or before it) handed to fn from the thread that
 * replayed it, with its last event's time; entities past their TTL by then get no call and
 * are counted in *expired. fn may be called from several threads at once.
 */
typedef int (*columns_final_fn)(void *ctx, unsigned worker, size_t view, int32_t id, int64_t last,
				const double *vals);
int columns_final(const struct feature_registry *r, const struct replay_event *ev, size_t n, size_t nids,
		  int64_t as_of, columns_final_fn fn, void *ctx, unsigned threads, uint64_t *expired);

/* The least number of events a thread takes at once (whole entities); 0: the default.
 * Tests make it small. */
void columns_min_share(size_t n);

struct event_table;
struct radix_rec;
/* The first n events of t in time order (`sorted`) as the replay takes them: times, types,
 * prices, dense ids and the gaps before each (its session's and its visitor's previous
 * event), none a point yet. */
int columns_replay_events(const struct event_table *t, const struct radix_rec *sorted, size_t n,
			  struct replay_event *out);

#endif
