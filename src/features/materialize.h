/*
 * materialize.h - the batch values into the online store: processed/events replayed up
 * to a time through the feature engine, then every entity of every view still within its
 * TTL written as one row (the view's features in order; the time_since ones as the time
 * they count from, so a read later counts on), expiring at its last event plus the TTL.
 * And the read serving does: the rows of a session, a visitor and an item assembled into
 * the registry's vector, on-demand features included.
 */
#ifndef PP_MATERIALIZE_H
#define PP_MATERIALIZE_H

#include "features/online_store.h"
#include "features/registry.h"
#include "lake/lake_fs.h"

struct materialize_stats {
	uint64_t events, rows, expired; /* expired: entities past their TTL, not written */
	uint64_t unchanged;             /* incremental: entities without events since, kept */
	int64_t as_of;
	int64_t since;                  /* incremental: the store's previous as-of (0: none) */
	double seconds;
};

/*
 * as_of 0: the newest event's time. Every run leaves its as-of in the store (a blob of its
 * own); incremental writes only the entities with events after the store's previous as-of
 * (Feast's materialize-incremental), the others keeping their rows; without one, or with
 * a store that has none, every entity. An as-of before the store's is refused then.
 */
int features_materialize(struct lake_fs *fs, const struct feature_registry *r, struct online_store *store,
			 int64_t as_of, bool incremental, struct materialize_stats *st);

/* A view's values read as of `as_of` (in row->v) made into its stored row: time since
 * as the time it counts from, the last event's time, the expiry from the TTL. Materialize
 * and the live path write rows this one way. */
void online_row_finish(const struct feature_view *fv, int64_t as_of, int64_t last, struct online_row *row);

/* The vector (registry_vector_size) for these entities as of now, from the store; a view
 * whose row is absent (or of another length: an old registry) is missing. */
int online_vector(struct online_store *store, const struct feature_registry *r,
		  const struct span keys[ENT__COUNT], int64_t now, double *vec);

/* Which views' rows online_vector_found read, and the time each holds for. */
struct online_found {
	bool found[64];
	int64_t ts[64]; /* 0 when not found */
};
int online_vector_found(struct online_store *store, const struct feature_registry *r,
			const struct span keys[ENT__COUNT], int64_t now, double *vec, struct online_found *info);

#endif
