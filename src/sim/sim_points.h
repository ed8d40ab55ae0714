/*
 * sim_points.h - the simulator's prediction points with both oracles' probabilities, kept
 * beside the truth (truth-<writer>.points), so that a model's AUC on any time window can be
 * put next to the oracles' AUC on the same window.
 *
 * Format: the 8 bytes "PPPOINT1", then 20-byte little-endian records: int64 start (ms, of
 * the point's session), float32 latent, float32 observable, uint32 flags (1: a purchase
 * follows, 2: a bot).
 */
#ifndef PP_SIM_POINTS_H
#define PP_SIM_POINTS_H

#include "core/buf.h"
#include "sim/sim.h"

#define SIM_POINTS_MAGIC "PPPOINT1"

/* Appends a session's points as records (the file starts with SIM_POINTS_MAGIC). */
int sim_points_append(struct buf *out, const struct sim_session_truth *t,
		      const struct sim_point *p, uint32_t n);

struct sim_points_auc {
	uint64_t points, positives;
	double latent, observable; /* AUC of each oracle */
};

/* Both oracles' AUC over the points of human sessions that start in [from, to], the way
 * a time split assigns sessions. `what` names the file in errors (a bad magic or a cut
 * record). */
int sim_points_auc(const void *data, size_t len, const char *what, int64_t from, int64_t to,
		   struct sim_points_auc *out);

#endif
