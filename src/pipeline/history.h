/*
 * history.h - the pipeline's run history, in SQLite under pipeline.dir (history.sqlite):
 * one row per run (its DAG, data interval, trigger, state, why) and one per task of a run
 * (state, tries, start and end, exit code, log file, what it produced, why it failed).
 *
 * Several processes share it (a scheduler, `pipeline run`, the server's GET routes): WAL
 * mode and a busy timeout. A history owns its connection; the strings a query hands to a
 * callback live until the callback returns.
 */
#ifndef PP_HISTORY_H
#define PP_HISTORY_H

#include "core/common.h"

#include <jansson.h>

struct history;

/* Task and run states, as stored. */
#define RUN_RUNNING "running"
#define RUN_SUCCESS "success"
#define RUN_FAILED "failed"
#define TASK_QUEUED "queued"
#define TASK_RUNNING "running"
#define TASK_SUCCESS "success"
#define TASK_FAILED "failed"
#define TASK_REFUSED "refused"           /* a soft task's failure: reported, the run goes on */
#define TASK_SKIPPED "skipped"           /* done for this interval and data already */
#define TASK_UPSTREAM_FAILED "upstream_failed"
#define TASK_NOT_RUN "not_run"           /* --only left it out, or the run was stopped */

struct run_row {
	const char *id, *dag, *data_start, *data_end, *data_version, *trigger, *scheduled_for;
	const char *state, *started, *ended, *why, *host;
	int64_t pid;
};

struct task_row {
	const char *run_id, *task, *state, *started, *ended, *log, *produced, *why;
	int64_t tries, exit_code;
};

/* dir: pipeline.dir resolved (created as needed). */
int history_open(struct history **out, const char *dir);
void history_close(struct history *h);

int history_run_begin(struct history *h, const struct run_row *r);
int history_run_end(struct history *h, const char *id, const char *state, const char *why);
int history_task_put(struct history *h, const struct task_row *t);

/* Runs left "running" by a process that died (the caller holds the run lock, so none is
 * live): marked failed, with why. */
int history_close_orphans(struct history *h, const char *dag, const char *why);

/* The newest run of dag that did this task successfully (success or refused) for exactly
 * this interval and data version: its id into out ("" when none). */
int history_task_done(struct history *h, const char *dag, const char *start, const char *end,
		      const char *data_version, const char *task, char *out, size_t n);

/* The state of task in dag's newest run over an interval ending at or before start
 * (depends_on_past); "" when there is no such run. */
int history_task_before(struct history *h, const char *dag, const char *start, const char *task, char *state,
			size_t n);

/* Whether dag has a successful run over exactly [start, end). */
int history_interval_done(struct history *h, const char *dag, const char *start, const char *end, bool *done);

/* The newest scheduled_for of dag's runs, "" when none. */
int history_last_scheduled(struct history *h, const char *dag, char *out, size_t n);

/* Runs newest first (limit of them, 0: 50), as JSON objects with their tasks. */
int history_runs_json(struct history *h, const char *dag, size_t limit, json_t **out);
/* One run with its tasks; PP_ENOENT when there is none. */
int history_run_json(struct history *h, const char *id, json_t **out);

#endif
