/*
 * builder.h - training sets: the processed events replayed in time order through the
 * feature engine, one row per prediction point (after each event of a session before its
 * first transaction; label 1 when the session buys later), every view read as of that
 * point. Written to features/training_set (Delta, by date of the point), replaced whole.
 * See docs/internals/features.md.
 */
#ifndef PP_BUILDER_H
#define PP_BUILDER_H

#include "features/registry.h"
#include "lake/lake_fs.h"

#define TRAINING_SET_TABLE "features/training_set"

/*
 * The same rows as a dense matrix the trainer loads without decoding anything: the line
 * "PPMATRIX2", a line of JSON (rows, cols, feature names in order, the registry's hash, the
 * events table's version, "sections"), then the sections one after another: the labels
 * (float32), the points' times (int64 ms), their sessions (a 64-bit hash of the id: rows
 * of one session share it, so a split keeps them together) and rows x cols values
 * (float32, row-major, NaN for missing); all little-endian. Written after the table
 * commits.
 */
#define TRAINING_MATRIX_MAGIC "PPMATRIX2"
#define TRAINING_MATRIX "features/training_set.matrix"

struct build_opts {
	char from[11], to[11]; /* dates of the points, inclusive; "" unbounded */
	bool include_bots;     /* visitors in curated/visitor_outliers get points too */
	uint32_t per_session;  /* at most this many points of a session, drawn at random; 0: all */
	uint64_t seed;         /* of that draw */
};

struct build_stats {
	uint64_t events, points, positives, buying_sessions, bot_points_skipped, sampled_out;
	int64_t version;
	double seconds;
};

int features_build(struct lake_fs *fs, const struct feature_registry *r, const struct build_opts *o,
		   struct build_stats *st);

#endif
