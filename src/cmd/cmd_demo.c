/*
 * ppredict demo: the whole system in one command, on a simulated shop or on a user's own
 * files (--import FORMAT FILE...): a lake in DIR, the data, the pipeline end to end, the
 * drift of the last week, the bots; then the server with its scheduler (left running), a
 * live stream of the simulated shop into it, a latency measurement, and a summary with each
 * stage's time. Each stage is this program's own command, started as a process of its own.
 */
#include "cmd/cmds.h"
#include "core/buf.h"
#include "core/err.h"
#include "core/fsutil.h"
#include "core/numsort.h"
#include "core/timeutil.h"
#include "lake/delta/delta.h"
#include "lake/lake_fs.h"
#include "model/model_index.h"
#include "model/model_store.h"
#include "pipeline/history.h"
#include "pipeline/pipeline.h"
#include "quality/report_store.h"

#include <curl/curl.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_STAGES 16
#define LATENCY_REQUESTS 400

struct demo_opts {
	const char *dir, *import, *listen;
	int64_t visitors, seed;
	bool no_serve, no_stream;
};

#define O(f) offsetof(struct demo_opts, f)
static const struct cli_opt demo_options[] = {
	{ "dir", 0, OPT_STR, O(dir), "demo", "DIR", "where the demo's lake and configuration go (a new directory)" },
	{ "import", 0, OPT_STR, O(import), NULL, "FMT",
	  "the shop's data from FILE... (retailrocket, rees46 or ndjson) instead of a simulation" },
	{ "visitors", 'n', OPT_INT, O(visitors), "467000", "N", "the simulated shop's visitors (about 2.1 events each)",
	  1000, 2e9 },
	{ "seed", 's', OPT_INT, O(seed), "42", "N", "the simulation's seed", 0, 1e18 },
	{ "listen", 0, OPT_STR, O(listen), "127.0.0.1:8080", "ADDR", "the server's address (taken: a free port)" },
	{ "no-serve", 0, OPT_FLAG, O(no_serve), NULL, NULL, "stop after the pipeline: no server, no stream" },
	{ "no-stream", 0, OPT_FLAG, O(no_stream), NULL, NULL, "no live stream of events into the server" },
};
#undef O

struct demo {
	const struct demo_opts *o;
	const char *const *sets; /* the --set KEY=VALUE given, passed on to every stage */
	size_t nsets;
	char exe[1024], cfg[1200], lake[1200];
	struct {
		const char *name;
		double secs;
	} stages[MAX_STAGES];
	size_t nstages;
	char url[300];
};

static void stage(struct demo *d, const char *name, double secs)
{
	if (d->nstages < MAX_STAGES) {
		d->stages[d->nstages].name = name;
		d->stages[d->nstages++].secs = secs;
	}
	printf("   (%s: %.1f s)\n", name, secs);
	fflush(stdout);
}

#define MAX_ARGS 40

/* `ppredict -c CFG <args...>` (NULL-terminated) into argv[MAX_ARGS]. */
static void command_line(const struct demo *d, const char *const *args, const char **argv)
{
	size_t n = 0;

	argv[n++] = d->exe;
	argv[n++] = "-c";
	argv[n++] = d->cfg;
	for (size_t i = 0; i < d->nsets && n < MAX_ARGS - 12; i++) {
		argv[n++] = "--set";
		argv[n++] = d->sets[i];
	}
	for (; *args && n < MAX_ARGS - 1; args++)
		argv[n++] = *args;
	argv[n] = NULL;
	fflush(stdout); /* before a fork: nothing printed twice */
}

/* ppredict -c CFG <args...>, its output on ours; its exit status. */
static int run(struct demo *d, const char *const *args)
{
	const char *argv[MAX_ARGS];
	int status;
	pid_t pid;

	command_line(d, args, argv);
	if ((pid = fork()) < 0)
		return pp_error_errno(PP_EIO, "fork");
	if (!pid) {
		execv(d->exe, (char *const *)argv);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0)
		return pp_error_errno(PP_EIO, "waitpid");
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		return pp_error(PP_EINVAL, "`ppredict %s` failed (status %d)", args[0],
				WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
	return 0;
}

/* A stage: a header, the command, its time. */
static int step(struct demo *d, const char *name, const char *title, const char *const *args)
{
	uint64_t t0 = time_mono_ns();
	int rc;

	printf("\n== %s\n", title);
	if ((rc = run(d, args)))
		return rc;
	stage(d, name, (double)(time_mono_ns() - t0) / 1e9);
	return 0;
}

/* ppredict -c CFG <args...> left running, detached, its output into log; pid file beside. */
static int start_background(struct demo *d, const char *const *args, const char *name, pid_t *out)
{
	const char *argv[MAX_ARGS];
	char log[1300], pidfile[1300], line[32];
	pid_t pid;

	snprintf(log, sizeof(log), "%s/%s.log", d->o->dir, name);
	snprintf(pidfile, sizeof(pidfile), "%s/%s.pid", d->o->dir, name);
	command_line(d, args, argv);
	if ((pid = fork()) < 0)
		return pp_error_errno(PP_EIO, "fork");
	if (!pid) {
		int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644), nul = open("/dev/null", O_RDONLY);
		setsid(); /* not ours to stop: it outlives the demo command */
		if (fd < 0 || nul < 0 || dup2(nul, 0) < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0)
			_exit(127);
		execv(d->exe, (char *const *)argv);
		_exit(127);
	}
	snprintf(line, sizeof(line), "%ld\n", (long)pid);
	struct iovec iov = { line, strlen(line) };
	*out = pid;
	return fs_write_atomic(pidfile, &iov, 1, FS_REPLACE);
}

/* The server, on --listen or else a free port; its URL into d->url. */
static int serve(struct demo *d)
{
	const char *listens[] = { d->o->listen, "127.0.0.1:0" };
	char ready[1300], set[300];
	uint64_t t0 = time_mono_ns();

	printf("\n== the server: the API, the dashboard, the scheduler beside it\n");
	snprintf(ready, sizeof(ready), "%s/serve.url", d->o->dir);
	for (size_t i = 0; i < ARRAY_SIZE(listens); i++) {
		const char *args[] = { "serve", "--scheduler", "--set", set, "--set", "server.access_log=false",
				       "--ready-file", ready, NULL };
		struct buf url = BUF_INIT;
		pid_t pid;
		int status, rc;
		snprintf(set, sizeof(set), "server.listen=%s", listens[i]);
		unlink(ready);
		if ((rc = start_background(d, args, "serve", &pid)))
			return rc;
		for (int k = 0; k < 300 && !fs_exists(ready); k++) {
			if (waitpid(pid, &status, WNOHANG) == pid)
				break;
			usleep(100 * 1000);
		}
		if (!fs_read_file(ready, &url) && url.len) {
			snprintf(d->url, sizeof(d->url), "%.*s", (int)strcspn(url.data, "\n"), url.data);
			buf_release(&url);
			stage(d, "server start", (double)(time_mono_ns() - t0) / 1e9);
			return 0;
		}
		pp_error_clear();
		buf_release(&url);
	}
	return pp_error(PP_EIO, "the server did not start (see %s/serve.log)", d->o->dir);
}

static size_t into_buf(char *p, size_t size, size_t n, void *ctx)
{
	return buf_append(ctx, p, size * n) ? 0 : size * n;
}

/* LATENCY_REQUESTS predictions of the newest event's session over one keep-alive
 * connection: their p50 and p99 as the client sees them. */
static int latency(struct demo *d, double *p50, double *p99, char *example, size_t n)
{
	CURL *c = curl_easy_init();
	struct curl_slist *hdr = curl_slist_append(NULL, "Content-Type: application/json");
	struct buf reply = BUF_INIT, url = BUF_INIT;
	double *ms = calloc(LATENCY_REQUESTS, sizeof(*ms));
	json_t *ev = NULL, *req = NULL;
	char *body = NULL;
	int rc = PP_EIO;

	if (!c || !ms)
		goto out;
	buf_printf(&url, "%s/v1/events?limit=1", d->url);
	curl_easy_setopt(c, CURLOPT_URL, url.data);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, into_buf);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &reply);
	if (curl_easy_perform(c) != CURLE_OK || !(ev = json_loadb(reply.data, reply.len, 0, NULL)))
		goto out;
	json_t *e = json_array_get(json_object_get(ev, "events"), 0);
	if (!e)
		goto out;
	req = json_pack("{s:O,s:O,s:O,s:O,s:b}", "session_id", json_object_get(e, "session_id"), "visitor_id",
			json_object_get(e, "visitor_id"), "item_id", json_object_get(e, "item_id"), "at",
			json_object_get(e, "ts"), "explain", 1);
	if (!req || !(body = json_dumps(req, JSON_COMPACT)))
		goto out;
	snprintf(example, n, "%s", body);
	buf_reset(&url);
	buf_printf(&url, "%s/v1/predict", d->url);
	curl_easy_setopt(c, CURLOPT_URL, url.data);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdr);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	for (size_t i = 0; i < LATENCY_REQUESTS; i++) {
		long status = 0;
		uint64_t t0 = time_mono_ns();
		buf_reset(&reply);
		if (curl_easy_perform(c) != CURLE_OK)
			goto out;
		ms[i] = (double)(time_mono_ns() - t0) / 1e6;
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
		if (status != 200)
			goto out;
	}
	sort_doubles(ms, LATENCY_REQUESTS);
	*p50 = ms[LATENCY_REQUESTS / 2];
	*p99 = ms[LATENCY_REQUESTS * 99 / 100];
	rc = 0;
out:
	free(body);
	json_decref(req);
	json_decref(ev);
	free(ms);
	buf_release(&reply);
	buf_release(&url);
	curl_slist_free_all(hdr);
	if (c)
		curl_easy_cleanup(c);
	if (rc)
		pp_error(PP_EIO, "measuring predictions at %s failed", d->url);
	return rc;
}

static int64_t table_rows(struct lake_fs *fs, const char *table)
{
	struct delta_snapshot snap;
	int64_t rows = 0;

	if (delta_snapshot_load(fs, table, -1, &snap)) {
		pp_error_clear();
		return -1;
	}
	for (size_t f = 0; f < snap.nfiles; f++)
		rows += snap.files[f].records > 0 ? snap.files[f].records : 0;
	delta_snapshot_release(&snap);
	return rows;
}

static void summary(struct demo *d, const struct config *cfg)
{
	struct lake_fs *fs = NULL;
	struct model_index *x = NULL;
	struct indexed_model champ;
	struct stored_model sm = { 0 };
	json_t *checks = NULL, *drift = NULL, *st;

	printf("\n== summary\n");
	if (!lake_fs_open_config(&fs, cfg)) {
		report_latest(fs, "checks", &checks);
		report_latest(fs, "drift", &drift);
		printf("data:        %" PRId64 " events in processed/events, %" PRId64 " sessions, %" PRId64
		       " visitors (lake %s)\n", table_rows(fs, "processed/events"), table_rows(fs, "curated/fact_sessions"),
		       table_rows(fs, "curated/dim_visitor"), d->lake);
	}
	pp_error_clear(); /* a report not made yet is left out */
	st = json_object_get(checks, "statistics");
	if (st)
		printf("quality:     %" JSON_INTEGER_FORMAT " of %" JSON_INTEGER_FORMAT " expectations met on %"
		       JSON_INTEGER_FORMAT " tables (%s)\n",
		       json_integer_value(json_object_get(st, "successful_expectations")),
		       json_integer_value(json_object_get(st, "evaluated_expectations")),
		       json_integer_value(json_object_get(st, "tables")),
		       json_is_true(json_object_get(checks, "success")) ? "the gate passed" : "the gate failed");
	if (drift) {
		size_t i, drifted = 0;
		json_t *c;
		json_array_foreach(json_object_get(drift, "columns"), i, c)
			drifted += json_is_true(json_object_get(c, "drift_detected"));
		printf("drift:       %zu of %zu columns drifted in the last week (%s)\n", drifted,
		       json_array_size(json_object_get(drift, "columns")),
		       json_is_true(json_object_get(drift, "dataset_drift")) ? "the dataset drifted" : "no dataset drift");
	}
	if (!model_index_open(&x, cfg) && !model_index_champion(x, &champ)) {
		printf("model:       %s (%s): test ROC-AUC %.4f, PR-AUC %.4f, threshold %.3f\n", champ.version, champ.model,
		       champ.test_roc_auc, champ.test_pr_auc, champ.threshold);
		if (fs && !model_load_meta(fs, champ.version, &sm, NULL)) {
			json_t *oracle = json_object_get(sm.meta, "oracle");
			if (oracle)
				printf("             %.1f%% of the best any model can reach here (the observable oracle's "
				       "%.4f on the test window)\n",
				       100 * json_number_value(json_object_get(oracle, "test_roc_auc_share")),
				       json_number_value(json_object_get(oracle, "ceiling")));
		}
	}
	pp_error_clear();
	printf("stages:     ");
	for (size_t i = 0; i < d->nstages; i++)
		printf(" %s %.1f s%s", d->stages[i].name, d->stages[i].secs, i + 1 < d->nstages ? "," : "\n");
	model_release(&sm);
	model_index_close(x);
	lake_fs_close(fs);
	json_decref(checks);
	json_decref(drift);
}

/* The last week of the data against the two before it. */
static int drift_stage(struct demo *d, const struct config *cfg)
{
	struct pipeline p;
	char version[17], ref[64], cur[40], from[11], to[11], a[11], b[11];
	int64_t newest;
	int rc;

	if ((rc = pipeline_open(&p, cfg, d->cfg, NULL, 0)))
		return rc;
	rc = pipeline_data_state(&p, version, &newest);
	if (!rc && newest >= 0) {
		pipeline_interval_dates(&p, newest - 6 * MS_PER_DAY, newest + 1, from, to);
		pipeline_interval_dates(&p, newest - 20 * MS_PER_DAY, newest - 6 * MS_PER_DAY, a, b);
		snprintf(ref, sizeof(ref), "processed/events:%s..%s", a, b);
		snprintf(cur, sizeof(cur), "%s..%s", from, to);
		const char *args[] = { "drift", "--reference", ref, "--current", cur, NULL };
		rc = step(d, "drift", "drift: the last week against the two before", args);
	}
	pipeline_close(&p);
	return rc;
}

static int run_demo(struct cmd_ctx *ctx, void *vopts, int argc, char **argv)
{
	struct demo_opts *o = vopts;
	struct demo d = { .o = o, .sets = ctx->sets, .nsets = ctx->nsets };
	struct config cfg;
	char visitors[32], seed[32], example[1024] = "";
	double p50 = 0, p99 = 0;
	bool streaming = false;
	ssize_t n;
	int rc;

	if (o->import && !argc)
		return pp_error(PP_EUSAGE, "--import %s: name the files to import", o->import);
	if (!o->import && argc)
		return pp_error(PP_EUSAGE, "files are for --import FORMAT");
	if (fs_exists(o->dir))
		return pp_error(PP_EEXIST, "%s exists: the demo makes a new directory (--dir another, or remove it)", o->dir);
	if ((n = readlink("/proc/self/exe", d.exe, sizeof(d.exe) - 1)) <= 0)
		return pp_error_errno(PP_EIO, "/proc/self/exe");
	d.exe[n] = 0;
	snprintf(d.cfg, sizeof(d.cfg), "%s/ppredict.yaml", o->dir);
	snprintf(d.lake, sizeof(d.lake), "%s/lake", o->dir);
	snprintf(visitors, sizeof(visitors), "%" PRId64, o->visitors);
	snprintf(seed, sizeof(seed), "%" PRId64, o->seed);
	signal(SIGPIPE, SIG_IGN);
	printf("== ppredict demo in %s\n", o->dir);
	{
		const char *args[] = { d.exe, "init", o->dir, NULL };
		pid_t pid = fork();
		int status;
		if (!pid) {
			int nul = open("/dev/null", O_WRONLY);
			dup2(nul, 1);
			execv(d.exe, (char *const *)args);
			_exit(127);
		}
		if (pid < 0 || waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status))
			return pp_error(PP_EIO, "ppredict init %s failed", o->dir);
	}
	if ((rc = config_load(&cfg, d.cfg)))
		return rc;
	if (o->import) {
		const char *args[40] = { "import", "--format", o->import };
		size_t k = 3;
		for (int i = 0; i < argc && k < ARRAY_SIZE(args) - 1; i++)
			args[k++] = argv[i];
		rc = step(&d, "import", "import: the shop's files into the lake's raw zone", args);
	} else {
		const char *args[] = { "simulate", "--seed", seed, "--visitors", visitors, "--malformed-rate", "0.001",
				       "--duplicate-rate", "0.001", "--late-rate", "0.005", "--drift-at", "2015-05-26", NULL };
		rc = step(&d, "simulate",
			  "simulate a shop: 30 days from 2015-05-03, a little dirt, a change of behaviour from 2015-05-26",
			  args);
	}
	if (!rc) {
		const char *args[] = { "pipeline", "run", NULL };
		rc = step(&d, "pipeline",
			  "the pipeline: etl -> check -> features -> train -> evaluate -> promote -> materialize "
			  "(and recommendations after etl); each task's time, what it made",
			  args);
	}
	if (!rc)
		rc = drift_stage(&d, &cfg);
	if (!rc) {
		const char *args[] = { "outliers", NULL };
		rc = step(&d, "bots", "bots: visitors who browse like machines (kept in the lake, left out of training)",
			  args);
	}
	if (!rc && !o->no_serve && !(rc = serve(&d))) {
		if (!o->no_stream && !o->import) {
			/* the lake's visitors and items, all of them in one day: about 11 events a second
			 * for the default shop */
			char items[32];
			const char *args[] = { "stream", "--to", d.url, "--seed", seed, "--visitors", visitors, "--items", items,
					       "--days", "1", NULL };
			pid_t pid;
			snprintf(items, sizeof(items), "%" PRId64, o->visitors / 6);
			if ((rc = start_background(&d, args, "stream", &pid)))
				goto out;
			streaming = true;
			printf("live traffic: `ppredict stream` posts the shop's events as they happen (pid %ld, %s/stream.log)\n",
			       (long)pid, o->dir);
		}
		uint64_t t0 = time_mono_ns();
		if (latency(&d, &p50, &p99, example, sizeof(example)))
			goto out;
		stage(&d, "latency check", (double)(time_mono_ns() - t0) / 1e9);
	}
	if (!rc)
		summary(&d, &cfg);
	if (!rc && d.url[0]) {
		printf("latency:     POST /v1/predict with TreeSHAP reasons, by keys from the online store: p50 %.2f ms, "
		       "p99 %.2f ms (%d requests over HTTP, one client; `make bench` measures more)\n", p50, p99,
		       LATENCY_REQUESTS);
		printf("dashboard:   %s/   (Live, Predict, Model, Data, Pipeline)\n", d.url);
		printf("API:         %s/openapi.json\n", d.url);
		printf("predict:     curl -s -H 'Content-Type: application/json' -d '%s' %s/v1/predict\n", example, d.url);
		printf("pipeline:    %s -c %s pipeline runs   (the server's scheduler runs it daily at 03:00 UTC)\n", d.exe,
		       d.cfg);
		if (streaming)
			printf("stop:        kill $(cat %s/serve.pid) $(cat %s/stream.pid)\n", o->dir, o->dir);
		else
			printf("stop:        kill $(cat %s/serve.pid)\n", o->dir);
	}
out:
	config_release(&cfg);
	return rc;
}

const struct command cmd_demo = {
	.name = "demo",
	.fn = run_demo,
	.summary = "the whole system in one command: a shop (simulated or --import), the pipeline, the server",
	.usage = "[FILE...]",
	CMD_OPTS(demo_options, struct demo_opts),
	.min_args = 0,
	.max_args = -1,
	.details = "Makes DIR (default ./demo) with a configuration and a lake, fills it (a simulated shop of\n"
		   "about 1M events, or --import FORMAT FILE... of your own), runs the pipeline end to end,\n"
		   "checks the last week's drift and the bots, then starts the server with its scheduler\n"
		   "(left running, its pid in DIR/serve.pid) and, for a simulated shop, a live stream of\n"
		   "its events (DIR/stream.pid), measures predictions and prints a summary with each\n"
		   "stage's time. --set KEY=VALUE options are given to every stage.",
};
