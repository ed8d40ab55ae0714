/*
 * dag.h - the pipeline as a DAG of tasks, declared in YAML (pipeline.dag names a file; empty:
 * the one that ships): each task runs one ppredict command with its arguments, after the
 * tasks it depends on, with retries, a delay between them that doubles, a timeout,
 * depends_on_past (wait for the same task's success in the run before) and soft (its failure,
 * say a candidate the promotion rule refuses, is reported without stopping what follows).
 * Arguments may hold {from} and {to}, the run's data interval (YYYY-MM-DD).
 *
 *   dag: shop
 *   schedule: "0 3 * * *"        # five-field cron (pipeline/cron.h), for the scheduler
 *   timezone: UTC
 *   catchup: false
 *   start_date: 2026-01-01       # optional: the scheduler's firings begin here (else when
 *                                # it first starts)
 *   tasks:
 *     - name: etl
 *       command: [etl]
 *       retries: 2
 *       retry_delay: 30s
 *       timeout: 1h
 *     - name: check
 *       command: [check]
 *       depends_on: [etl]
 *
 * Errors name the file, the task and the field. The order to run in is topological, ties
 * kept in the order the file declares them.
 */
#ifndef PP_DAG_H
#define PP_DAG_H

#include "core/common.h"
#include "pipeline/cron.h"

#include <jansson.h>

#define DAG_MAX_TASKS 64
#define DAG_MAX_ARGS 32

struct dag_task {
	const char *name;
	const char *args[DAG_MAX_ARGS]; /* the command and its arguments; NULL-terminated */
	size_t nargs;
	size_t deps[DAG_MAX_TASKS];     /* indexes of the tasks it waits for */
	size_t ndeps;
	int retries;
	int64_t retry_delay_ms, timeout_ms;
	bool depends_on_past;
	bool soft; /* a failure is reported ("refused") and the tasks after it run all the same */
};

struct dag {
	json_t *root;   /* the names and arguments point into it */
	char *file;
	const char *name, *schedule_text, *timezone;
	struct cron schedule;
	bool catchup;
	int64_t start_ms; /* start_date, or 0 */
	struct dag_task tasks[DAG_MAX_TASKS];
	size_t ntasks;
	size_t order[DAG_MAX_TASKS]; /* a topological order */
};

/* is_command(words, n): whether the first words name a ppredict command (the caller's
 * command table); NULL checks nothing. */
int dag_parse(struct dag *d, const char *file, const char *text, size_t len,
	      bool (*is_command)(const char *const *words, size_t n));
/* The DAG that ships, and its text. */
int dag_default(struct dag *d, bool (*is_command)(const char *const *words, size_t n));
const char *dag_default_text(void);
void dag_release(struct dag *d);

/* The task named so, or -1. */
int dag_find(const struct dag *d, const char *name);

/* Task t's argument k with {from} and {to} filled in (into out). */
int dag_arg(const struct dag_task *t, size_t k, const char *from, const char *to, char *out, size_t n);

#endif
