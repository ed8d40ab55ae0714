/*
 * prediction_log.h - a sampled record of the predictions the server makes, kept in the
 * lake's raw zone (raw/predictions/year=/month=/day=/hour=/, NDJSON in zstd segments like
 * the events): when, the model, the request's keys, the whole feature vector by name, the
 * probability and label, and the time taken. `ppredict drift --current predictions` reads
 * it (what serving sees against what the model was trained on).
 *
 * predict.log_permille of every thousand requests are kept (0: none). Records wait in memory and go
 * out in segments every minute, at 4 MiB, and when the server stops; a crash loses the
 * records of the last minute (a sample, never an acknowledged event). Any thread.
 */
#ifndef PP_PREDICTION_LOG_H
#define PP_PREDICTION_LOG_H

#include "core/buf.h"
#include "core/common.h"

struct prediction_log;
struct lake_fs;
struct config;
struct feature_registry;

int prediction_log_open(struct prediction_log **out, struct lake_fs *fs, const struct config *cfg);
/* Writes what waits and stops. */
int prediction_log_close(struct prediction_log *pl);

/* Whether this request is one of the sample (draw it once per request). */
bool prediction_log_sampled(struct prediction_log *pl);

/* One record: keys as JSON members (`"session_id":"..",` or empty), the vector. */
void prediction_log_add(struct prediction_log *pl, int64_t at, const char *model, const char *keys_json,
			const struct feature_registry *r, const double *vec, double probability, bool label,
			uint64_t latency_ns);

#endif
