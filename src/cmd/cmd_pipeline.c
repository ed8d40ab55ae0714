/*
 * ppredict pipeline run|backfill|status|runs|logs|dag: the DAG of tasks (pipeline/dag.h)
 * run over a data interval (pipeline/runner.h), its history (pipeline/history.h).
 */
#include "cmd/cmds.h"
#include "core/buf.h"
#include "core/err.h"
#include "core/fsutil.h"
#include "core/stop.h"
#include "core/tabular.h"
#include "core/timeutil.h"
#include "pipeline/history.h"
#include "pipeline/runner.h"


struct pipeline_opts {
	const char *from, *to, *only, *trigger, *run_id;
	bool force, json;
	int64_t limit;
};

static const struct cli_opt run_options[] = {
	{ "from", 0, OPT_STR, offsetof(struct pipeline_opts, from), NULL, "DATE",
	  "the data interval's first day (default: the newest day of raw events)" },
	{ "to", 0, OPT_STR, offsetof(struct pipeline_opts, to), NULL, "DATE", "its last day (default: --from)" },
	{ "only", 0, OPT_STR, offsetof(struct pipeline_opts, only), NULL, "TASK",
	  "run this task alone (what it depends on is not run)" },
	{ "force", 0, OPT_FLAG, offsetof(struct pipeline_opts, force), NULL, NULL,
	  "run tasks done already for this interval and these data" },
	{ "trigger", 0, OPT_STR, offsetof(struct pipeline_opts, trigger), "manual", "NAME",
	  "what started the run, for the history" },
	{ "run-id", 0, OPT_STR, offsetof(struct pipeline_opts, run_id), NULL, "ID", "the run's id (default: from the time)" },
};

static const struct cli_opt backfill_options[] = {
	{ "from", 0, OPT_STR, offsetof(struct pipeline_opts, from), NULL, "DATE", "the first day" },
	{ "to", 0, OPT_STR, offsetof(struct pipeline_opts, to), NULL, "DATE", "the last day" },
	{ "force", 0, OPT_FLAG, offsetof(struct pipeline_opts, force), NULL, NULL,
	  "run days that have a successful run already, and their tasks" },
};

static const struct cli_opt runs_options[] = {
	{ "limit", 'n', OPT_INT, offsetof(struct pipeline_opts, limit), "20", "N", "the newest N runs", 1, 10000 },
	{ "json", 0, OPT_FLAG, offsetof(struct pipeline_opts, json), NULL, NULL, "print the runs as JSON" },
};

static const struct cli_opt status_options[] = {
	{ "json", 0, OPT_FLAG, offsetof(struct pipeline_opts, json), NULL, NULL, "print the status as JSON" },
};

static volatile int *stop_requested;

static int open_pipeline(struct cmd_ctx *ctx, struct pipeline *p)
{
	return pipeline_open(p, &ctx->cfg, ctx->config_path, ctx->sets, ctx->nsets);
}

/* One run, its account printed; a failed run is the command's failure. */
static int run_one(struct pipeline *p, struct run_opts *ro)
{
	struct run_result res;
	char from[11], to[11];
	int rc;

	ro->out = stdout;
	ro->stop = stop_requested;
	if ((rc = pipeline_run(p, ro, &res)))
		return rc;
	pipeline_interval_dates(p, ro->start_ms, ro->end_ms, from, to);
	printf("run %s %s%s%s (logs: ppredict pipeline logs %s)\n", res.id, res.ok ? "succeeded" : "failed",
	       res.why[0] ? ": " : "", res.why, res.id);
	if (!res.ok)
		return pp_error(PP_EINVAL, "run %s over %s..%s failed: %s", res.id, from, to, res.why);
	return 0;
}

/* [start, end) of --from/--to; the newest day with events when neither is given. */
static int interval_of(struct pipeline *p, const struct pipeline_opts *o, int64_t *start, int64_t *end)
{
	char version[17];
	int64_t last;
	int rc;

	if (!o->from && o->to)
		return pp_error(PP_EUSAGE, "--to needs --from");
	if (o->from) {
		if ((rc = pipeline_day_start(p, o->from, start)) || (rc = pipeline_day_start(p, o->to ? o->to : o->from, &last)))
			return rc;
		if (last < *start)
			return pp_error(PP_EUSAGE, "--to %s is before --from %s", o->to, o->from);
		*end = pipeline_next_day(p, last);
		return 0;
	}
	if ((rc = pipeline_data_state(p, version, start)))
		return rc;
	if (*start < 0) { /* no events yet: today */
		char today[32];
		time_format_rfc3339(time_now_ms(), today);
		today[10] = 0;
		if ((rc = pipeline_day_start(p, today, start)))
			return rc;
	}
	*end = pipeline_next_day(p, *start);
	return 0;
}

static int run_run(struct cmd_ctx *ctx, void *vopts, int argc, char **argv)
{
	struct pipeline_opts *o = vopts;
	struct pipeline p;
	struct run_opts ro = { .only = o->only, .force = o->force, .trigger = o->trigger, .run_id = o->run_id };
	int rc;

	(void)argc, (void)argv;
	if ((rc = open_pipeline(ctx, &p)))
		return rc;
	stop_requested = stop_on_signals();
	if (!(rc = interval_of(&p, o, &ro.start_ms, &ro.end_ms)))
		rc = run_one(&p, &ro);
	pipeline_close(&p);
	return rc;
}

static int run_backfill(struct cmd_ctx *ctx, void *vopts, int argc, char **argv)
{
	struct pipeline_opts *o = vopts;
	struct pipeline p;
	struct history *h = NULL;
	int64_t day, last;
	size_t ran = 0, skipped = 0, failed = 0;
	int rc;

	(void)argc, (void)argv;
	if (!o->from || !o->to)
		return pp_error(PP_EUSAGE, "backfill needs --from and --to");
	if ((rc = open_pipeline(ctx, &p)))
		return rc;
	stop_requested = stop_on_signals();
	if ((rc = pipeline_day_start(&p, o->from, &day)) || (rc = pipeline_day_start(&p, o->to, &last)) ||
	    (rc = history_open(&h, p.dir)))
		goto out;
	for (; day <= last && !*stop_requested; day = pipeline_next_day(&p, day)) {
		struct run_opts ro = { .start_ms = day, .end_ms = pipeline_next_day(&p, day), .force = o->force,
				       .trigger = "backfill" };
		char start[32], end[32], from[11], to[11];
		bool done;
		time_format_rfc3339(ro.start_ms, start);
		time_format_rfc3339(ro.end_ms, end);
		pipeline_interval_dates(&p, ro.start_ms, ro.end_ms, from, to);
		if ((rc = history_interval_done(h, p.dag.name, start, end, &done)))
			goto out;
		if (done && !o->force) {
			printf("%s: done already (--force runs it again)\n", from);
			skipped++;
			continue;
		}
		if ((rc = run_one(&p, &ro))) {
			if (rc != PP_EINVAL) /* not a failed run but no run at all (the lock, the history) */
				goto out;
			fprintf(stderr, "ppredict pipeline backfill: %s\n", pp_errmsg());
			failed++;
		}
		ran++;
	}
	printf("backfill %s..%s: %zu runs (%zu failed), %zu days done already\n", o->from, o->to, ran, failed,
	       skipped);
	rc = failed ? pp_error(PP_EINVAL, "%zu of %zu runs failed", failed, ran) : 0;
out:
	history_close(h);
	pipeline_close(&p);
	return rc;
}

static int print_json(json_t *j)
{
	json_dumpf(j, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	putchar('\n');
	return 0;
}

static const char *str(const json_t *o, const char *k)
{
	const char *v = json_string_value(json_object_get(o, k));

	return v ? v : "";
}

static void print_tasks(const json_t *run)
{
	size_t i;
	json_t *t;

	json_array_foreach(json_object_get(run, "tasks"), i, t) {
		struct buf what = BUF_INIT;
		const char *why = str(t, "why");
		produced_text(json_object_get(t, "produced"), &what);
		printf("  %-16s %-15s %-24s %s\n", str(t, "task"), str(t, "state"), str(t, "ended"),
		       why[0] ? why : what.data ? what.data : "");
		buf_release(&what);
	}
}

static int run_runs(struct cmd_ctx *ctx, void *vopts, int argc, char **argv)
{
	struct pipeline_opts *o = vopts;
	struct pipeline p;
	struct history *h = NULL;
	json_t *runs = NULL, *r;
	size_t i;
	int rc;

	(void)argc, (void)argv;
	if ((rc = open_pipeline(ctx, &p)))
		return rc;
	if ((rc = history_open(&h, p.dir)) || (rc = history_runs_json(h, p.dag.name, (size_t)o->limit, &runs)))
		goto out;
	if (o->json) {
		print_json(runs);
		goto out;
	}
	if (!json_array_size(runs))
		printf("no run yet (`ppredict pipeline run`)\n");
	json_array_foreach(runs, i, r) {
		char from[11], to[11];
		int64_t s = 0, e = 0;
		time_parse(str(r, "data_start"), strlen(str(r, "data_start")), &s);
		time_parse(str(r, "data_end"), strlen(str(r, "data_end")), &e);
		pipeline_interval_dates(&p, s, e, from, to);
		printf("%-22s %-8s %s..%s  %-9s started %s%s%s\n", str(r, "id"), str(r, "state"), from, to,
		       str(r, "trigger"), str(r, "started"), str(r, "why")[0] ? "  " : "", str(r, "why"));
	}
out:
	json_decref(runs);
	history_close(h);
	pipeline_close(&p);
	return rc;
}

static int run_status(struct cmd_ctx *ctx, void *vopts, int argc, char **argv)
{
	struct pipeline_opts *o = vopts;
	struct pipeline p;
	struct history *h = NULL;
	json_t *runs = NULL, *st = NULL;
	const char *next, *holder;
	int rc;

	(void)argc, (void)argv;
	if ((rc = open_pipeline(ctx, &p)))
		return rc;
	if ((rc = history_open(&h, p.dir)) || (rc = history_runs_json(h, p.dag.name, 1, &runs)))
		goto out;
	st = pipeline_json(&p);
	json_object_set(st, "last_run", json_array_size(runs) ? json_array_get(runs, 0) : json_null());
	next = str(st, "next_run");
	holder = str(st, "lock_holder");
	if (o->json) {
		print_json(st);
		goto out;
	}
	printf("DAG %s (%s): %s %s, catchup %s; next run %s\n", p.dag.name, p.dag.file,
	       p.dag.schedule_text ? p.dag.schedule_text : "no schedule",
	       p.dag.timezone, p.dag.catchup ? "on" : "off", next[0] ? next : "never");
	for (size_t i = 0; i < p.dag.ntasks; i++) {
		const struct dag_task *t = &p.dag.tasks[p.dag.order[i]];
		printf("  %-16s after:", t->name);
		for (size_t k = 0; k < t->ndeps; k++)
			printf("%s%s", k ? ", " : " ", p.dag.tasks[t->deps[k]].name);
		printf("%s%s\n", t->ndeps ? "" : " -", t->soft ? " (soft)" : "");
	}
	printf("running now: %s\n", holder[0] ? holder : "nothing");
	if (json_array_size(runs)) {
		json_t *r = json_array_get(runs, 0);
		printf("last run %s: %s%s%s\n", str(r, "id"), str(r, "state"), str(r, "why")[0] ? ": " : "",
		       str(r, "why"));
		print_tasks(r);
	} else {
		printf("no run yet (`ppredict pipeline run`)\n");
	}
out:
	json_decref(st);
	json_decref(runs);
	history_close(h);
	pipeline_close(&p);
	return rc;
}

static int run_logs(struct cmd_ctx *ctx, void *vopts, int argc, char **argv)
{
	struct pipeline p;
	struct history *h = NULL;
	json_t *run = NULL, *t;
	size_t i, shown = 0;
	int rc;

	(void)vopts;
	if ((rc = open_pipeline(ctx, &p)))
		return rc;
	if ((rc = history_open(&h, p.dir)) || (rc = history_run_json(h, argv[0], &run)))
		goto out;
	json_array_foreach(json_object_get(run, "tasks"), i, t) {
		struct buf text = BUF_INIT;
		if ((argc > 1 && strcmp(argv[1], str(t, "task"))) || !str(t, "log")[0])
			continue;
		shown++;
		if (argc == 1)
			printf("==> %s (%s) <==\n", str(t, "task"), str(t, "state"));
		if (fs_read_file(str(t, "log"), &text)) {
			buf_release(&text);
			goto out;
		}
		fwrite(text.data ? text.data : "", 1, text.len, stdout);
		buf_release(&text);
	}
	if (!shown)
		rc = pp_error(PP_ENOENT, argc > 1 ? "run %s has no log of a task '%s'" : "run %s has no task logs",
			      argv[0], argc > 1 ? argv[1] : "");
out:
	json_decref(run);
	history_close(h);
	pipeline_close(&p);
	return rc;
}

static int run_dag(struct cmd_ctx *ctx, void *vopts, int argc, char **argv)
{
	struct pipeline p;
	struct buf text = BUF_INIT;
	int rc;

	(void)vopts, (void)argc, (void)argv;
	if ((rc = open_pipeline(ctx, &p)))
		return rc;
	if (ctx->cfg.pipeline_dag && *ctx->cfg.pipeline_dag)
		rc = fs_read_file(p.dag.file, &text);
	else
		rc = buf_puts(&text, dag_default_text());
	if (!rc)
		fwrite(text.data, 1, text.len, stdout);
	buf_release(&text);
	pipeline_close(&p);
	return rc;
}

const struct command cmd_pipeline_run = {
	.name = "pipeline run",
	.fn = run_run,
	.summary = "run the DAG over a data interval (tasks done for it already are skipped)",
	CMD_OPTS(run_options, struct pipeline_opts),
	.max_args = 0,
	.details = "Each task is a ppredict command started as its own process, with retries, a timeout and\n"
		   "a log; the history is in pipeline.dir. One run at a time: a second is refused and told\n"
		   "who runs. Exits 1 when the run fails (a task failed, or did not run because one before\n"
		   "it failed); a soft task's failure (a candidate the promotion rule refuses) is reported\n"
		   "without failing the run.",
};

const struct command cmd_pipeline_backfill = {
	.name = "pipeline backfill",
	.fn = run_backfill,
	.summary = "one run per day from --from to --to, days with a successful run skipped",
	CMD_OPTS(backfill_options, struct pipeline_opts),
	.max_args = 0,
};

const struct command cmd_pipeline_status = {
	.name = "pipeline status",
	.fn = run_status,
	.summary = "the DAG, its schedule and next run, what runs now, the last run's tasks",
	CMD_OPTS(status_options, struct pipeline_opts),
	.max_args = 0,
};

const struct command cmd_pipeline_runs = {
	.name = "pipeline runs",
	.fn = run_runs,
	.summary = "the runs, newest first, with their interval, trigger, state and why",
	CMD_OPTS(runs_options, struct pipeline_opts),
	.max_args = 0,
};

const struct command cmd_pipeline_logs = {
	.name = "pipeline logs",
	.fn = run_logs,
	.summary = "a run's task logs (every try), or one task's",
	.usage = "RUN [TASK]",
	.min_args = 1,
	.max_args = 2,
};

const struct command cmd_pipeline_dag = {
	.name = "pipeline dag",
	.fn = run_dag,
	.summary = "print the DAG's YAML (the one that ships when pipeline.dag is empty)",
	.max_args = 0,
};
