/*
 * runner.h - one run of a pipeline's DAG over a data interval.
 *
 * Each task is this program started as a child process (`ppredict -c CONFIG --set ...
 * <command> <args>`, in its own process group, killed if the runner dies), its output into
 * the task's log (pipeline.dir/runs/<run>/<task>.log, every try appended), at most
 * pipeline.parallelism at a time, in the DAG's order as dependencies allow. A failed try is
 * retried after retry_delay, doubling each time; a try past its timeout gets SIGTERM, then
 * SIGKILL 5 s later. A task whose dependency failed does not run (upstream_failed), unless
 * that dependency is soft (its failure is "refused" and the run goes on). A task done
 * already for this interval and these data (the same raw events) is skipped unless forced;
 * depends_on_past needs the task's success in the run over the interval before.
 *
 * The run takes the DAG's lock first (one run at a time; runs a dead holder left "running"
 * are closed as failed), and records itself and each task's state, tries, exit code, log,
 * what it produced (the tables, models and champion it wrote, which the task notes through
 * core/produced.h) and why it failed, in the history.
 */
#ifndef PP_RUNNER_H
#define PP_RUNNER_H

#include "pipeline/pipeline.h"

#include <jansson.h>
#include <stdio.h>

struct run_opts {
	int64_t start_ms, end_ms; /* the data interval */
	const char *only;         /* this task alone (its dependencies not run), or NULL */
	bool force;               /* run tasks done already for this interval and data */
	const char *trigger;      /* manual, scheduled, backfill, api */
	const char *run_id;       /* given, or NULL: made from the time */
	int64_t scheduled_for;    /* the firing a scheduled run is for, else 0 */
	FILE *out;                /* a line per task as it ends, NULL: quiet */
	volatile int *stop;       /* set (by a signal handler) to stop: tasks killed, run failed */
};

struct run_result {
	char id[64];
	bool ok; /* every task succeeded, was refused (soft), or was done already */
	char why[1024];
};

int pipeline_run(struct pipeline *p, const struct run_opts *o, struct run_result *res);

/* What a task produced (its history's JSON array) as a line: "processed/events@4, model V,
 * champion V" (appended to out). */
struct buf;
void produced_text(const json_t *produced, struct buf *out);

/* A new run id from the time (YYYYMMDDTHHMMSSZ-xxxx). */
void pipeline_run_id(char out[64]);

#endif
