/*
 * engine.h - the feature engine: the registry's aggregations kept up to date event by
 * event, per entity, and read as of a time. The batch builder replays the lake through it
 * and the streaming updater feeds it live events: one piece of code computes both, so
 * training and serving see the same numbers.
 *
 * Windows slide: an entity keeps the events of its window (only their contributions:
 * per feature a value, or nothing when its filter said no), and a read at time t first
 * drops those at or before t - window. Counts and sums add and subtract, minimum and
 * maximum keep a monotonic queue, first a queue of contributions, count_distinct a
 * count per value. Events must come in time order per entity, and reads at times no
 * earlier than the entity's last event. See docs/internals/features.md.
 */
#ifndef PP_ENGINE_H
#define PP_ENGINE_H

#include "event/event.h"
#include "features/registry.h"

struct fe_event {
	int64_t ts;
	struct span visitor, session, item, category; /* category may be empty */
	enum event_type type;
	double price; /* NAN: none */
};

struct feature_engine;

int engine_open(struct feature_engine **out, const struct feature_registry *r);
void engine_close(struct feature_engine *e);

int engine_add(struct feature_engine *e, const struct fe_event *ev);

/*
 * The same with the caller's own dense ids for the keys (>= 0, or -1 for none), in this
 * order; the spans of ev are then not read. For a caller that has interned its keys
 * already (the builder): no hashing per event. An engine is fed one way or the other.
 */
enum engine_key { EK_SESSION, EK_VISITOR, EK_ITEM, EK_CATEGORY, EK__COUNT };
int engine_add_ids(struct feature_engine *e, const struct fe_event *ev, const int64_t *ids);

/*
 * The feature vector (registry_vector_size slots) as of ts for these entities: each view
 * reads its entity's key (an empty key, an unknown entity or one past its TTL: the view's
 * features are missing), then the on-demand features with ts's hour and weekday.
 */
int engine_vector(struct feature_engine *e, int64_t ts, struct span session, struct span visitor,
		  struct span item, double *vec);
/* The same by dense ids (session, visitor, item; as given to engine_add_ids). */
int engine_vector_ids(struct feature_engine *e, int64_t ts, const int64_t *ids, double *vec);

/*
 * One view's values for entity `id` (its dense id, of the view's entity kind) as of t, in
 * the view's feature order; *last_ts gets its latest event. PP_ENOENT when the entity is
 * unknown or past the view's TTL. The window slides as for a vector.
 */
int engine_view_values(struct feature_engine *e, size_t view, int64_t id, int64_t t, double *vals,
		       int64_t *last_ts);

/* How often (in events) states nothing can be read from are freed; tests make it often. */
void engine_sweep_every(struct feature_engine *e, uint64_t n);

/* The numeric fields of an event as filters and aggregations see them (enum event_field
 * order), given the previous event times of its session and visitor (0: none). */
void engine_event_fields(const struct fe_event *ev, int64_t session_prev, int64_t visitor_prev,
			 double *fields);

#endif
