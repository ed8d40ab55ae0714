/*
 * verify.h - training/serving consistency, checked: processed/events replayed in time
 * order through the live path (live.h) into an online store, and after each event that is
 * a prediction point of features/training_set, the vector serving reads (online_vector)
 * compared slot by slot with that training row. Equal means both missing, or within
 * VERIFY_REL_TOL relative (the time_since features go through a stored origin time; every
 * other value must match to the bit, and does).
 */
#ifndef PP_VERIFY_H
#define PP_VERIFY_H

#include "features/online_store.h"
#include "features/registry.h"
#include "lake/lake_fs.h"

#define VERIFY_REL_TOL 1e-9

struct verify_stats {
	uint64_t events, points;      /* replayed; rows of the training set */
	uint64_t compared, unmatched; /* points read online; training rows no event reached */
	uint64_t bad_points, bad_values;
	double max_diff;              /* largest relative difference seen */
	uint64_t *bad_by_feature;     /* per slot (nfeatures), owned by the caller */
	char first_bad[512];          /* the first difference, described */
	double seconds;
};

/* store should be empty: the replay writes the live state of every entity into it. */
int features_verify_online(struct lake_fs *fs, const struct feature_registry *r, struct online_store *store,
			   int64_t session_gap_ms, struct verify_stats *st);

#endif
