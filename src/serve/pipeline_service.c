/* The pipeline seen and started from the server (pipeline_service.h). */
#include "serve/pipeline_service.h"
#include "core/buf.h"
#include "core/err.h"
#include "core/fsutil.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/parse.h"
#include "core/ticker.h"
#include "core/timeutil.h"
#include "pipeline/history.h"
#include "pipeline/runner.h"
#include "serve/http.h"

#include <fcntl.h>
#include <jansson.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

#define REAP_MS 1000
#define RESTART_AFTER_MS 5000
#define STOP_WAIT_MS 15000
#define LOG_TAIL_BYTES (1 << 20)

struct pipeline_service {
	struct pipeline p;
	bool loaded;
	char error[512]; /* why the DAG did not load */
	bool scheduler;
	pid_t scheduler_pid;
	int64_t scheduler_died; /* when, for the pause before starting it again */
	pthread_mutex_t mu;
	struct ticker reaper;
};

/* Starts `ppredict <args>` with the server's configuration, its output appended to log, in a
 * process group of its own. */
static int spawn(struct pipeline_service *ps, const char *const *args, size_t nargs, const char *log, pid_t *pid)
{
	const struct pipeline *p = &ps->p;
	const char **argv = pp_calloc(nargs + 2 * p->nsets + 4, sizeof(*argv));
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	sigset_t none, dflt;
	int e;

	if (!argv)
		return PP_ENOMEM;
	pipeline_argv(p, args, nargs, argv);
	sigemptyset(&none);
	sigemptyset(&dflt);
	sigaddset(&dflt, SIGPIPE);
	sigaddset(&dflt, SIGTERM);
	sigaddset(&dflt, SIGINT);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, log, O_WRONLY | O_CREAT | O_APPEND, 0644);
	posix_spawn_file_actions_adddup2(&fa, 1, 2);
	posix_spawnattr_init(&at);
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP);
	posix_spawnattr_setsigmask(&at, &none);
	posix_spawnattr_setsigdefault(&at, &dflt);
	posix_spawnattr_setpgroup(&at, 0);
	e = posix_spawn(pid, p->exe, &fa, &at, (char *const *)argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&at);
	pp_free(argv);
	if (e)
		return pp_error(PP_EIO, "cannot start %s: %s", p->exe, strerror(e));
	return 0;
}

static void start_scheduler(struct pipeline_service *ps)
{
	char parent[32], log[1300];
	const char *args[] = { "scheduler", "--parent", parent };

	snprintf(parent, sizeof(parent), "%ld", (long)getpid());
	if (pipeline_path(&ps->p, "scheduler.log", log, sizeof(log)) || spawn(ps, args, ARRAY_SIZE(args), log, &ps->scheduler_pid)) {
		log_error("the scheduler: %s", pp_errmsg());
		ps->scheduler_pid = 0;
		ps->scheduler_died = time_now_ms();
		return;
	}
	log_info("scheduler started (pid %ld, its log %s)", (long)ps->scheduler_pid, log);
}

/* Every second: the children that ended reaped; the scheduler started again if it died. */
static void reap(void *ctx)
{
	struct pipeline_service *ps = ctx;
	int status;
	pid_t pid;

	pthread_mutex_lock(&ps->mu);
	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
		if (pid == ps->scheduler_pid) {
			log_warn("the scheduler (pid %ld) ended with status %d; starting it again", (long)pid, code);
			ps->scheduler_pid = 0;
			ps->scheduler_died = time_now_ms();
		} else {
			log_info("pipeline run (pid %ld) ended with status %d", (long)pid, code);
		}
	}
	if (ps->scheduler && !ps->scheduler_pid && time_now_ms() - ps->scheduler_died >= RESTART_AFTER_MS)
		start_scheduler(ps);
	pthread_mutex_unlock(&ps->mu);
}

int pipeline_service_start(struct server *s, const char *config_path, const char *const *sets, size_t nsets,
			   bool scheduler)
{
	struct pipeline_service *ps = pp_calloc(1, sizeof(*ps));
	int rc;

	if (!ps)
		return PP_ENOMEM;
	pthread_mutex_init(&ps->mu, NULL);
	ps->scheduler = scheduler;
	ps->scheduler_died = INT64_MIN / 2;
	if ((rc = pipeline_open(&ps->p, s->cfg, config_path, sets, nsets))) {
		snprintf(ps->error, sizeof(ps->error), "%s", pp_errmsg());
		if (scheduler) {
			pp_free(ps);
			return pp_error_wrap(rc, "--scheduler");
		}
		log_warn("the pipeline: %s", ps->error);
		pp_error_clear();
	} else {
		ps->loaded = true;
	}
	s->pipeline = ps;
	if (scheduler) {
		start_scheduler(ps);
		if (!ps->scheduler_pid)
			return pp_error(PP_EIO, "--scheduler: %s", pp_errmsg());
	}
	return ticker_start(&ps->reaper, REAP_MS, reap, ps);
}

void pipeline_service_stop(struct server *s)
{
	struct pipeline_service *ps = s->pipeline;

	if (!ps)
		return;
	pthread_mutex_lock(&ps->mu);
	ps->scheduler = false; /* the reaper starts no other */
	pthread_mutex_unlock(&ps->mu);
	ticker_stop(&ps->reaper);
	if (ps->scheduler_pid) { /* it stops its run (the tasks get SIGTERM) and exits */
		int status;
		int64_t until = time_now_ms() + STOP_WAIT_MS;
		kill(ps->scheduler_pid, SIGTERM);
		while (waitpid(ps->scheduler_pid, &status, WNOHANG) == 0) {
			if (time_now_ms() > until) {
				log_warn("the scheduler did not stop in %d s: killed", STOP_WAIT_MS / 1000);
				kill(-ps->scheduler_pid, SIGKILL);
				kill(ps->scheduler_pid, SIGKILL);
				waitpid(ps->scheduler_pid, &status, 0);
				break;
			}
			usleep(20 * 1000);
		}
	}
	if (ps->loaded)
		pipeline_close(&ps->p);
	pthread_mutex_destroy(&ps->mu);
	pp_free(ps);
	s->pipeline = NULL;
}

/* The service with its DAG, or an error response (NULL). */
static struct pipeline_service *service(struct http_request *req)
{
	struct pipeline_service *ps = req->srv->pipeline;

	if (!ps || !ps->loaded) {
		http_error(req, 503, "unavailable", NULL, "the pipeline: %s", ps ? ps->error : "not started");
		return NULL;
	}
	return ps;
}

static int history_error(struct http_request *req, struct history *h)
{
	history_close(h);
	return http_error(req, 503, "unavailable", NULL, "the pipeline's history: %s", pp_errmsg());
}

/* GET /v1/pipeline */
int route_get_pipeline(struct http_request *req)
{
	struct pipeline_service *ps = service(req);
	json_t *j;

	if (!ps)
		return HTTP_DONE;
	j = pipeline_json(&ps->p);
	pthread_mutex_lock(&ps->mu);
	json_object_set_new(j, "scheduler", json_boolean(ps->scheduler));
	pthread_mutex_unlock(&ps->mu);
	return http_json(req, j);
}

/* GET /v1/pipeline/runs?limit= */
int route_get_pipeline_runs(struct http_request *req)
{
	struct pipeline_service *ps = service(req);
	const char *limit = http_query(req, "limit");
	struct history *h = NULL;
	int64_t n = 20;
	json_t *runs;

	if (!ps)
		return HTTP_DONE;
	if (limit && (parse_int64(limit, strlen(limit), &n) || n < 1 || n > 1000))
		return http_error(req, 400, "invalid", "limit", "limit: expected an integer from 1 to 1000");
	if (history_open(&h, ps->p.dir) || history_runs_json(h, ps->p.dag.name, (size_t)n, &runs))
		return history_error(req, h);
	history_close(h);
	return http_json(req, json_pack("{s:s,s:o}", "dag", ps->p.dag.name, "runs", runs));
}

/* GET /v1/pipeline/runs/{id} */
int route_get_pipeline_run(struct http_request *req)
{
	struct pipeline_service *ps = service(req);
	struct history *h = NULL;
	json_t *run;
	int rc;

	if (!ps)
		return HTTP_DONE;
	if (history_open(&h, ps->p.dir))
		return history_error(req, h);
	rc = history_run_json(h, req->param, &run);
	if (rc == PP_ENOENT) {
		history_close(h);
		return http_error(req, 404, "not_found", "id", "%s", pp_errmsg());
	}
	if (rc)
		return history_error(req, h);
	history_close(h);
	return http_json(req, run);
}

/* GET /v1/pipeline/runs/{id}/log?task=: the task's log (its last MiB), as text */
int route_get_pipeline_log(struct http_request *req)
{
	struct pipeline_service *ps = service(req);
	const char *task = http_query(req, "task");
	struct history *h = NULL;
	struct buf text = BUF_INIT;
	json_t *run = NULL, *t;
	const char *log = NULL;
	size_t i;
	int rc;

	if (!ps)
		return HTTP_DONE;
	if (!task || !*task)
		return http_error(req, 400, "invalid", "task", "task: expected the name of one of the run's tasks");
	if (history_open(&h, ps->p.dir))
		return history_error(req, h);
	rc = history_run_json(h, req->param, &run);
	history_close(h);
	if (rc)
		return rc == PP_ENOENT ? http_error(req, 404, "not_found", "id", "%s", pp_errmsg())
				       : http_error(req, 503, "unavailable", NULL, "%s", pp_errmsg());
	json_array_foreach(json_object_get(run, "tasks"), i, t)
		if (!strcmp(task, json_string_value(json_object_get(t, "task")) ?: ""))
			log = json_string_value(json_object_get(t, "log"));
	if (!log) {
		json_decref(run);
		return http_error(req, 404, "not_found", "task", "run %s has no log of a task '%s'", req->param, task);
	}
	rc = fs_read_file(log, &text);
	json_decref(run);
	if (rc) {
		buf_release(&text);
		return http_error(req, 404, "not_found", "task", "%s", pp_errmsg());
	}
	if (text.len > LOG_TAIL_BYTES)
		buf_puts(&req->out, "...\n");
	buf_append(&req->out, text.data + (text.len > LOG_TAIL_BYTES ? text.len - LOG_TAIL_BYTES : 0),
		   text.len > LOG_TAIL_BYTES ? LOG_TAIL_BYTES : text.len);
	buf_release(&text);
	req->content_type = "text/plain; charset=utf-8";
	return HTTP_DONE;
}

static bool is_date(const char *s)
{
	int64_t ms;

	return s && strlen(s) == 10 && !time_parse(s, 10, &ms);
}

struct trigger {
	const char *from, *to, *only;
	bool force;
};

/* The body's {from, to, only, force} into t; NULL, or the field in error with what it
 * should be in *expected. */
static const char *read_trigger(const json_t *body, const struct dag *d, struct trigger *t, const char **expected)
{
	const char *key;
	json_t *v;

	json_object_foreach((json_t *)body, key, v) {
		if (!strcmp(key, "from") || !strcmp(key, "to")) {
			*expected = "a date (YYYY-MM-DD)";
			if (!is_date(json_string_value(v)))
				return key;
			*(key[0] == 'f' ? &t->from : &t->to) = json_string_value(v);
		} else if (!strcmp(key, "only")) {
			*expected = "the name of one of the DAG's tasks";
			if (!json_is_string(v) || dag_find(d, json_string_value(v)) < 0)
				return key;
			t->only = json_string_value(v);
		} else if (!strcmp(key, "force")) {
			*expected = "true or false";
			if (!json_is_boolean(v))
				return key;
			t->force = json_is_true(v);
		} else {
			*expected = "one of from, to, only, force";
			return key;
		}
	}
	*expected = "from with to";
	return t->to && !t->from ? "to" : NULL;
}

/* POST /v1/pipeline/runs {from, to, only, force}: 202 with the run's id */
int route_post_pipeline_runs(struct http_request *req)
{
	struct pipeline_service *ps = service(req);
	const char *args[12], *field, *expected = "";
	char id[64], holder[300], log[1300];
	struct trigger t = { 0 };
	json_t *body = NULL;
	size_t n = 0;
	pid_t pid;
	int rc;

	if (!ps)
		return HTTP_DONE;
	if (req->body.len) {
		json_error_t je;
		if (!(body = json_loadb(req->body.data, req->body.len, 0, &je)) || !json_is_object(body)) {
			json_decref(body);
			return http_error(req, 400, "invalid", NULL, "expected a JSON object {from, to, only, force}: %s",
					  body ? "not an object" : je.text);
		}
		if ((field = read_trigger(body, &ps->p.dag, &t, &expected))) {
			http_error(req, 400, "invalid", field, "%s: expected %s", field, expected);
			json_decref(body);
			return HTTP_DONE;
		}
	}
	pipeline_lock_holder(&ps->p, holder, sizeof(holder));
	if (holder[0]) {
		json_decref(body);
		return http_error(req, 409, "conflict", NULL, "a run is under way (%s): one run at a time", holder);
	}
	pipeline_run_id(id);
	args[n++] = "pipeline";
	args[n++] = "run";
	args[n++] = "--trigger";
	args[n++] = "api";
	args[n++] = "--run-id";
	args[n++] = id;
	const char *const opts[][2] = { { "--from", t.from }, { "--to", t.to }, { "--only", t.only } };
	for (size_t k = 0; k < ARRAY_SIZE(opts); k++)
		if (opts[k][1]) {
			args[n++] = opts[k][0];
			args[n++] = opts[k][1];
		}
	if (t.force)
		args[n++] = "--force";
	pthread_mutex_lock(&ps->mu);
	if (!(rc = pipeline_path(&ps->p, "api-runs.log", log, sizeof(log))))
		rc = spawn(ps, args, n, log, &pid);
	pthread_mutex_unlock(&ps->mu);
	json_decref(body);
	if (rc)
		return http_error(req, 500, "internal", NULL, "%s", pp_errmsg());
	log_info("pipeline run %s started (pid %ld) by %s", id, (long)pid, req->key_name ? req->key_name : "a request");
	req->status = 202;
	return http_json(req, json_pack("{s:s,s:s,s:I}", "run_id", id, "status", "started", "pid", (json_int_t)pid));
}
