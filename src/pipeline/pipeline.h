/*
 * pipeline.h - a DAG as configured (pipeline.dag, else the one that ships), with what its
 * runs need around it: the time zone of its schedule, the directory of its history, logs and
 * lock (pipeline.dir), the program and configuration its tasks are started with, and the
 * data the runs are over.
 *
 * A run covers a data interval [start, end), instants in UTC; its tasks see it as dates in
 * the DAG's time zone: {from} is start's date, {to} the date of end's last millisecond. A
 * day's interval runs from that day's midnight to the next, in the zone.
 */
#ifndef PP_PIPELINE_H
#define PP_PIPELINE_H

#include "core/common.h"
#include "core/config.h"
#include "core/tz.h"
#include "pipeline/dag.h"

struct pipeline {
	const struct config *cfg;
	struct dag dag;
	struct tz tz;
	char dir[1024]; /* pipeline.dir, resolved */
	char exe[1024]; /* this program, for the tasks */
	const char *config_path; /* given to the tasks with -c (NULL: none) */
	const char *const *sets; /* and the --set KEY=VALUE given */
	size_t nsets;
};

int pipeline_open(struct pipeline *p, const struct config *cfg, const char *config_path,
		  const char *const *sets, size_t nsets);
void pipeline_close(struct pipeline *p);

/* The start (local midnight, as UTC ms) of the day a date names (YYYY-MM-DD). */
int pipeline_day_start(const struct pipeline *p, const char *date, int64_t *ms);
/* The day after the one starting at day_ms (23, 24 or 25 hours later). */
int64_t pipeline_next_day(const struct pipeline *p, int64_t day_ms);
/* The dates {from} and {to} of [start, end). */
void pipeline_interval_dates(const struct pipeline *p, int64_t start, int64_t end, char from[11], char to[11]);

/* The raw zone's events as a version (a hash of the segments' names and sizes: new data, a
 * new version) and the start of the newest day holding any (-1 when none). */
int pipeline_data_state(const struct pipeline *p, char version[17], int64_t *newest_day);

/* The DAG as JSON: name, file, schedule, timezone, catchup, next_run (RFC 3339, "" for
 * never), tasks (name, command, depends_on, retries, retry_delay_s, timeout_s,
 * depends_on_past, soft; in the order they run) and lock_holder (who runs now, or null). */
json_t *pipeline_json(const struct pipeline *p);

/* The command line of a process this pipeline starts: this program, -c and the --set
 * options given, then args (n of them); into argv, which holds n + 2 * nsets + 4. The
 * count, argv NULL-terminated. */
size_t pipeline_argv(const struct pipeline *p, const char *const *args, size_t n, const char **argv);

/* pipeline.dir/<name> into out. */
int pipeline_path(const struct pipeline *p, const char *name, char *out, size_t n);
/* The DAG's run lock (pipeline/run_lock.h): pipeline.dir/<dag>.lock. */
int pipeline_lock_path(const struct pipeline *p, char *out, size_t n);
/* Who runs the DAG now (run_lock_holder), "" when nobody does. */
void pipeline_lock_holder(const struct pipeline *p, char *out, size_t n);

#endif
