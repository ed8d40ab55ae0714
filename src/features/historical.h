/*
 * historical.h - Feast's get_historical_features: a user's entity rows (a CSV with a time
 * and any of session_id, visitor_id, item_id) each joined with every feature as of its
 * time, computed from processed/events by the feature engine: what a model would have seen
 * then. The rows come back in their order with their own columns first.
 */
#ifndef PP_HISTORICAL_H
#define PP_HISTORICAL_H

#include "features/registry.h"
#include "lake/lake_fs.h"

#include <stdio.h>

struct historical_stats {
	uint64_t rows, bad_rows, events;
	double seconds;
};

/* The time column is event_timestamp (Feast's name) or ts: RFC 3339 or epoch
 * milliseconds. A row that does not parse is reported on stderr (file:line: why) and left
 * out; the others are written to out as CSV. */
int features_historical(struct lake_fs *fs, const struct feature_registry *r, const char *file,
			FILE *out, struct historical_stats *st);

#endif
