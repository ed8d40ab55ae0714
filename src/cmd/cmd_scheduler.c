/*
 * ppredict scheduler: runs the pipeline's DAG on its schedule (pipeline/scheduler.h), each
 * due firing a run over [the firing before, the firing), missed firings caught up when the
 * DAG says catchup. One run at a time across every scheduler and `pipeline run`: a firing
 * that finds the lock held is tried again until its run is recorded.
 */
#include "cmd/cmds.h"
#include "core/err.h"
#include "core/log.h"
#include "core/stop.h"
#include "core/timeutil.h"
#include "pipeline/history.h"
#include "pipeline/runner.h"
#include "pipeline/scheduler.h"

#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>

#define MAX_DUE 64
#define RETRY_HELD_MS (30 * MS_PER_SEC)

struct scheduler_opts {
	bool once;
	int64_t now, parent;
};

static const struct cli_opt scheduler_options[] = {
	{ "once", 0, OPT_FLAG, offsetof(struct scheduler_opts, once), NULL, NULL,
	  "run what is due now, then exit" },
	{ "now", 0, OPT_TIME, offsetof(struct scheduler_opts, now), NULL, "TIME",
	  "take this as the time (with --once): what would be due then" },
	{ "parent", 0, OPT_INT, offsetof(struct scheduler_opts, parent), "0", "PID",
	  "exit when this process does (serve --scheduler starts it so)", 0, 4194304 },
};

static volatile int *stop_requested;

static bool orphaned(const struct scheduler_opts *o)
{
	return o->parent && getppid() != (pid_t)o->parent;
}

/* Runs the firings due at now: those after the last one run, or after the DAG's start_date,
 * or after this scheduler started (since). False when a run found the lock held (try again
 * soon). */
static bool run_due(struct pipeline *p, struct history *h, int64_t since, int64_t now)
{
	char last_text[32];
	int64_t last = -1, due[MAX_DUE];
	size_t n;

	if (history_last_scheduled(h, p->dag.name, last_text, sizeof(last_text))) {
		log_error("%s", pp_errmsg());
		return false;
	}
	if (!last_text[0] || time_parse(last_text, strlen(last_text), &last))
		last = p->dag.start_ms ? p->dag.start_ms - 1 : since;
	n = schedule_due(&p->dag.schedule, &p->tz, last, now, p->dag.catchup, due, MAX_DUE);
	for (size_t i = 0; i < n && !*stop_requested; i++) {
		struct run_opts ro = { .start_ms = cron_prev(&p->dag.schedule, &p->tz, due[i]), .end_ms = due[i],
				       .trigger = "scheduled", .scheduled_for = due[i], .out = stdout,
				       .stop = stop_requested };
		struct run_result res;
		char at[32];
		int rc;
		time_format_rfc3339(due[i], at);
		if (ro.start_ms < 0)
			ro.start_ms = due[i] - MS_PER_DAY;
		log_info("firing %s of %s", at, p->dag.name);
		if ((rc = pipeline_run(p, &ro, &res)) == PP_ECONFLICT) {
			log_info("firing %s waits: %s", at, pp_errmsg());
			return false;
		}
		if (rc)
			log_error("firing %s: %s", at, pp_errmsg());
		else
			printf("run %s for %s %s%s%s\n", res.id, at, res.ok ? "succeeded" : "failed",
			       res.why[0] ? ": " : "", res.why);
		fflush(stdout);
	}
	return true;
}

static int run_scheduler(struct cmd_ctx *ctx, void *vopts, int argc, char **argv)
{
	struct scheduler_opts *o = vopts;
	struct pipeline p;
	struct history *h = NULL;
	int rc;

	(void)argc, (void)argv;
	if (o->now && !o->once)
		return pp_error(PP_EUSAGE, "--now goes with --once (a clock that stands still never fires again)");
	if (o->parent) { /* gone with the server that started us, even after kill -9 */
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		if (orphaned(o))
			return 0;
	}
	stop_requested = stop_on_signals();
	if ((rc = pipeline_open(&p, &ctx->cfg, ctx->config_path, ctx->sets, ctx->nsets)))
		return rc;
	if (!p.dag.schedule_text) {
		rc = pp_error(PP_ECONFIG, "%s: the DAG has no schedule", p.dag.file);
		goto out;
	}
	if ((rc = history_open(&h, p.dir)))
		goto out;
	if (!o->once)
		log_info("scheduler: DAG %s on \"%s\" (%s), catchup %s", p.dag.name, p.dag.schedule_text, p.dag.timezone,
			 p.dag.catchup ? "on" : "off");
	int64_t since = o->now ? o->now : time_now_ms();
	while (!*stop_requested && !orphaned(o)) {
		int64_t now = o->now ? o->now : time_now_ms(), next, wake;
		bool recorded = run_due(&p, h, since, now);
		char at[32];
		if (o->once)
			break;
		now = time_now_ms();
		next = cron_next(&p.dag.schedule, &p.tz, now);
		wake = recorded ? next : now + RETRY_HELD_MS;
		if (next > 0 && next < wake)
			wake = next;
		if (wake < 0) {
			rc = pp_error(PP_EINVAL, "%s: the schedule fires no more", p.dag.file);
			break;
		}
		time_format_rfc3339(wake, at);
		log_info("next look at %s", at);
		while (!*stop_requested && !orphaned(o) && time_now_ms() < wake)
			usleep(200 * 1000);
	}
out:
	history_close(h);
	pipeline_close(&p);
	return rc;
}

const struct command cmd_scheduler = {
	.name = "scheduler",
	.fn = run_scheduler,
	.summary = "run the pipeline on its schedule (cron, time zone, catchup) until stopped",
	CMD_OPTS(scheduler_options, struct scheduler_opts),
	.max_args = 0,
	.details = "Each firing F of the DAG's schedule runs it over the data interval [the firing before\n"
		   "F, F). Firings missed while no scheduler ran are run oldest first when the DAG has\n"
		   "catchup: true, else only the newest. The first firings are those after the DAG's\n"
		   "start_date, or, without one, after the first scheduler started. Several schedulers may run: the run lock lets one\n"
		   "run a firing, the others find it recorded. `serve --scheduler` runs one beside the\n"
		   "server.",
};
