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

#include "core/buf.h"
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
/* A view's entity names its key: the same order. */
_Static_assert(EK_SESSION == (int)ENT_SESSION && EK_VISITOR == (int)ENT_VISITOR && EK_ITEM == (int)ENT_ITEM &&
		       EK_CATEGORY == (int)ENT_CATEGORY && EK__COUNT == (int)ENT__COUNT,
	       "entity kinds and engine keys");
int engine_add_ids(struct feature_engine *e, const struct fe_event *ev, const int64_t *ids);

/*
 * The feature vector (registry_vector_size slots) as of ts for these entities: each view
 * reads its entity's key (an empty key, an unknown entity or one past its TTL: the view's
 * features are missing), then the on-demand features with ts's hour and weekday.
 */
int engine_vector(struct feature_engine *e, int64_t ts, const struct span keys[ENT__COUNT], double *vec);
/* The same by dense ids (per enum engine_key, as given to engine_add_ids). */
int engine_vector_ids(struct feature_engine *e, int64_t ts, const int64_t *ids, double *vec);
/* The last step of a vector whose views' slots are filled: the request values of ts (hour,
 * weekday) and the on-demand features. */
void engine_on_demand(const struct feature_registry *r, int64_t ts, double *vec);
/* The request values of ts (enum request_field order: hour, weekday). */
void engine_request_values(int64_t ts, double *req);

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

/*
 * The previous event time of a session or visitor for the gaps: `last`, or 0 (none) when
 * it is older than ENGINE_CLOCK_KEEP_MS before ts. Both paths forget alike, so the live
 * path need not keep a clock for ever.
 */
#define ENGINE_CLOCK_KEEP_MS (400LL * 86400 * 1000)
int64_t engine_clock_prev(int64_t last, int64_t ts);

/*
 * One entity's state of one view, on its own: the live path keeps each in the online store
 * and changes it there, event by event, with the same code as the engine's own states.
 *
 * decode: a stored state (len 0, one of another definition or feature count: a new one;
 * bytes that do not decode: PP_EFORMAT naming the view); encode: its bytes, replacing out's.
 * add: an event, fields from engine_event_fields, keyval per enum engine_key the number
 * count_distinct counts for that identifier (NaN: none); an event older than the state's
 * latest counts as of that latest. values: as engine_view_values (PP_ENOENT: none, or past
 * the TTL). keep_until: when nothing can be read from it any more (0: never).
 */
struct engine_entity;
int engine_entity_new(struct feature_engine *e, size_t view, struct engine_entity **out);
int engine_entity_decode(struct feature_engine *e, size_t view, struct span blob,
			 struct engine_entity **out);
int engine_entity_encode(struct feature_engine *e, size_t view, const struct engine_entity *s,
			 struct buf *out);
int engine_entity_add(struct feature_engine *e, size_t view, struct engine_entity *s,
		      const struct fe_event *ev, const double *fields, const double *keyval);
int engine_entity_values(struct feature_engine *e, size_t view, struct engine_entity *s, int64_t t,
			 double *vals);
int64_t engine_entity_last(const struct engine_entity *s);
int64_t engine_entity_keep_until(struct feature_engine *e, size_t view, const struct engine_entity *s);
void engine_entity_free(struct feature_engine *e, size_t view, struct engine_entity *s);
/* Empties s for another entity, as a new state would be; its small buffers stay for it. */
void engine_entity_clear(struct feature_engine *e, size_t view, struct engine_entity *s);

#endif
