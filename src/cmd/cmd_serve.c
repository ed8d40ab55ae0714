/*
 * ppredict serve: the HTTP server and the collector behind it. Runs until SIGTERM or
 * SIGINT, then stops taking connections, lets requests in flight finish, commits and
 * seals the journal, and exits 0.
 */
#include "cmd/cmds.h"
#include "core/err.h"
#include "core/fsutil.h"
#include "core/log.h"
#include "ingest/collector.h"
#include "lake/lake_fs.h"
#include "serve/champion.h"
#include "serve/http.h"
#include "serve/pipeline_service.h"
#include "serve/prediction_log.h"
#include "serve/recommendations.h"

#include <signal.h>

struct serve_opts {
	const char *ready_file;
	int64_t grace_ms;
	bool scheduler;
};

static const struct cli_opt serve_options[] = {
	{ "ready-file", 0, OPT_STR, offsetof(struct serve_opts, ready_file), NULL, "FILE",
	  "write the server's URL to FILE once it listens (for scripts and tests)" },
	{ "grace", 0, OPT_INT, offsetof(struct serve_opts, grace_ms), "30000", "MS",
	  "how long shutdown waits for requests in flight", 0, 3600000 },
	{ "scheduler", 0, OPT_FLAG, offsetof(struct serve_opts, scheduler), NULL, NULL,
	  "run the pipeline's scheduler beside the server (`ppredict scheduler`, stopped with it)" },
};

static int write_ready_file(const char *path, const char *url)
{
	char line[256];
	struct iovec iov = { line, (size_t)snprintf(line, sizeof(line), "%s\n", url) };

	return fs_write_atomic(path, &iov, 1, FS_REPLACE);
}

static int run_serve(struct cmd_ctx *ctx, void *vopts, int argc, char **argv)
{
	struct serve_opts *o = vopts;
	struct server s = { .cfg = &ctx->cfg };
	struct collector_opts co;
	struct buf journal = BUF_INIT;
	sigset_t sigs;
	int sig = 0, rc;

	(void)argc;
	(void)argv;
	/* Signals wait for sigwait below: every thread started from here on blocks them. */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);
	event_limits_from_config(&s.limits, &ctx->cfg);
	s.limits.max_props_depth = (int)ctx->cfg.max_json_depth;
	if ((rc = lake_fs_open_config(&s.fs, &ctx->cfg)) ||
	    (rc = path_join(&journal, ctx->cfg.lake_root, "_meta/journal")))
		goto out;
	collector_opts_from_config(&co, &ctx->cfg, journal.data);
	if ((rc = collector_open(&s.collector, s.fs, &co)))
		goto out;
	if ((rc = serve_live_start(&s)))
		goto out;
	if ((rc = champion_start(&s)) || (rc = prediction_log_open(&s.predictions, s.fs, &ctx->cfg)) ||
	    (rc = recommendations_start(&s)) ||
	    (rc = pipeline_service_start(&s, ctx->config_path, ctx->sets, ctx->nsets, o->scheduler)))
		goto out;
	if ((rc = http_server_start(&s)))
		goto out;
	log_info("listening on %s (lake %s)", s.url, ctx->cfg.lake_root);
	if (o->ready_file && (rc = write_ready_file(o->ready_file, s.url)))
		goto out;
	sigwait(&sigs, &sig);
	log_info("%s: finishing requests in flight, then stopping", sig == SIGINT ? "SIGINT" : "SIGTERM");
out:
	http_server_stop(&s, o->grace_ms);
	{
		int rc2 = prediction_log_close(s.predictions);
		rc = rc ? rc : rc2;
	}
	pipeline_service_stop(&s);
	champion_stop(&s);
	recommendations_stop(&s);
	serve_live_stop(&s);
	{
		int rc2 = collector_close(s.collector);
		rc = rc ? rc : rc2;
	}
	lake_fs_close(s.fs);
	buf_release(&journal);
	if (!rc)
		log_info("stopped");
	return rc;
}

const struct command cmd_serve = {
	.name = "serve",
	.fn = run_serve,
	.summary = "run the HTTP API: event collection, live features, the model served, health, metrics",
	CMD_OPTS(serve_options, struct serve_opts),
	.max_args = 0,
	.details = "Binds server.listen (127.0.0.1:8080; port 0 picks a free one). Events posted to\n"
		   "/v1/events are journaled and fsynced before the answer, then sealed into the\n"
		   "raw zone; each one also updates the online store's live features before the\n"
		   "answer (features.live). The registry's champion is served and swapped for a new\n"
		   "one without a restart (models.reload); one trained on other feature definitions\n"
		   "is refused. SIGTERM or SIGINT stop it gracefully.",
};
