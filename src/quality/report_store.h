/*
 * report_store.h - where quality reports live in the lake: under _meta/quality/<kind>/,
 * one object per run named by its time (and the process), and <kind>/latest.json, which
 * the server answers GET /v1/quality from.
 */
#ifndef PP_REPORT_STORE_H
#define PP_REPORT_STORE_H

#include "lake/lake_fs.h"

#include <jansson.h>

#define QUALITY_DIR "_meta/quality"

/* Stores report as kind's run at time ms and as its latest; where gets the run's path. */
int report_store(struct lake_fs *fs, const char *kind, const json_t *report, int64_t ms,
		 char *where, size_t where_size);
/* The latest report of kind; PP_ENOENT when there is none. */
int report_latest(struct lake_fs *fs, const char *kind, json_t **report);

/*
 * The quality gate training and the pipeline pass through: 0 when the latest check run
 * has no failed expectation of severity error; PP_EINVAL naming the failures (table and
 * expectation) when it has; PP_ENOENT when no check has run (the caller decides whether
 * that blocks).
 */
int quality_gate(struct lake_fs *fs);

#endif
