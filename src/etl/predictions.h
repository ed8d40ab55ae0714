/*
 * predictions.h - the server's prediction log (raw/predictions, serve/prediction_log.h)
 * made a Delta table, processed/predictions, partitioned by the date of the features'
 * time: one column per feature beside the keys, model, probability, label and latency, so
 * that `ppredict drift --reference model --current processed/predictions:FROM..TO`
 * compares what serving saw with what the model was trained on. Rebuilt whole from the
 * log on each run (the log is a sample, small); a bad line is counted and skipped.
 */
#ifndef PP_ETL_PREDICTIONS_H
#define PP_ETL_PREDICTIONS_H

#include "lake/lake_fs.h"

#define PREDICTIONS_TABLE "processed/predictions"

struct predictions_stats {
	uint64_t segments, rows, bad_lines, features;
	int64_t version; /* -1: nothing to write (no log) */
};

int etl_predictions(struct lake_fs *fs, struct predictions_stats *st);

#endif
