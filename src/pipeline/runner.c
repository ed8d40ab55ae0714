/* One run of a DAG (runner.h). */
#include "pipeline/runner.h"
#include "core/buf.h"
#include "core/err.h"
#include "core/fsutil.h"
#include "core/hash.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/produced.h"
#include "core/rng.h"
#include "core/timeutil.h"
#include "pipeline/history.h"
#include "pipeline/run_lock.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

#define KILL_GRACE_MS 5000
#define POLL_MS 20

enum phase { PENDING, RUNNING, DONE };

struct task_exec {
	const struct dag_task *t;
	enum phase phase;
	const char *state; /* TASK_* */
	pid_t pid;
	int tries, exit_code;
	int64_t started, ended, not_before, deadline, kill_at;
	bool timed_out;
	char why[512];
	char log[1300], produced[1300];
};

struct run {
	struct pipeline *p;
	const struct run_opts *o;
	struct history *h;
	char id[64], start[32], end[32], from[11], to[11], data_version[17];
	struct task_exec tasks[DAG_MAX_TASKS];
	size_t running;
};

void pipeline_run_id(char out[64])
{
	static _Atomic uint64_t seq;
	int64_t key[3] = { time_now_ms(), getpid(), (int64_t)seq++ };
	uint64_t r = pp_hash64(key, sizeof(key), 0);
	struct civil c;

	civil_from_ms(time_now_ms(), &c);
	snprintf(out, 64, "%04d%02d%02dT%02d%02d%02dZ-%04x", c.year, c.month, c.day, c.hour, c.min, c.sec,
		 (unsigned)(r & 0xffff));
}

static void stamp(int64_t ms, char out[32])
{
	if (ms > 0)
		time_format_rfc3339(ms, out);
	else
		out[0] = 0;
}

void produced_text(const json_t *produced, struct buf *out)
{
	size_t i;
	json_t *p;

	json_array_foreach(produced, i, p) {
		const char *table = json_string_value(json_object_get(p, "table"));
		const char *sep = i ? ", " : "";
		if (table)
			buf_printf(out, "%s%s@%" JSON_INTEGER_FORMAT, sep, table,
				   json_integer_value(json_object_get(p, "version")));
		else if (json_object_get(p, "model"))
			buf_printf(out, "%smodel %s", sep, json_string_value(json_object_get(p, "model")));
		else if (json_object_get(p, "champion"))
			buf_printf(out, "%schampion %s", sep, json_string_value(json_object_get(p, "champion")));
	}
}

/* What the task's tries noted (core/produced.h): a JSON array text, "[]" when nothing. */
static char *produced_json(const struct task_exec *x)
{
	struct buf text = BUF_INIT;
	json_t *all = json_array();
	char *out;

	if (!fs_read_file(x->produced, &text) && text.data) {
		for (char *line = text.data, *nl; *line; line = nl + 1) {
			json_t *j;
			if (!(nl = strchr(line, '\n')))
				break;
			*nl = 0;
			if ((j = json_loads(line, 0, NULL)))
				json_array_append_new(all, j);
		}
	}
	pp_error_clear();
	buf_release(&text);
	out = json_dumps(all, JSON_COMPACT);
	json_decref(all);
	return out;
}

/* produced: the task's JSON array text when it is done (NULL before). */
static void record(struct run *r, struct task_exec *x, const char *produced)
{
	char started[32], ended[32];
	struct task_row row = { .run_id = r->id, .task = x->t->name, .state = x->state, .started = started,
				.ended = ended, .log = x->log[0] ? x->log : NULL, .produced = produced,
				.why = x->why[0] ? x->why : NULL, .tries = x->tries, .exit_code = x->exit_code };

	stamp(x->started, started);
	stamp(x->phase == DONE ? x->ended : 0, ended);
	if (!started[0])
		row.started = NULL;
	if (!ended[0])
		row.ended = NULL;
	if (history_task_put(r->h, &row))
		log_warn("%s", pp_errmsg()); /* the run goes on; its log and exit say how it went */
}

static void finish(struct run *r, struct task_exec *x, const char *state, const char *fmt, ...) PP_PRINTF(4, 5);

static void finish(struct run *r, struct task_exec *x, const char *state, const char *fmt, ...)
{
	char *produced;
	va_list ap;

	x->phase = DONE;
	x->state = state;
	x->ended = time_now_ms();
	if (fmt) {
		va_start(ap, fmt);
		vsnprintf(x->why, sizeof(x->why), fmt, ap);
		va_end(ap);
	}
	produced = produced_json(x);
	record(r, x, produced);
	if (r->o->out && !(r->o->only && !x->tries && !strcmp(state, TASK_NOT_RUN))) {
		double secs = x->started ? (double)(x->ended - x->started) / 1000.0 : 0;
		json_t *j = produced ? json_loads(produced, 0, NULL) : NULL;
		struct buf what = BUF_INIT;
		produced_text(j, &what);
		fprintf(r->o->out, "%-16s %-15s %7.1f s  %s\n", x->t->name, state, secs,
			x->why[0] ? x->why : what.data ? what.data : "");
		fflush(r->o->out);
		buf_release(&what);
		json_decref(j);
	}
	free(produced);
}

/* The error a failed try left: its log's last line from ppredict ("ppredict train: ..."),
 * else the last line. */
static void failure_of(const struct task_exec *x, char *out, size_t n)
{
	struct buf text = BUF_INIT;
	const char *best = NULL, *last = NULL;

	out[0] = 0;
	if (!fs_read_file(x->log, &text) && text.data) {
		for (char *line = text.data, *nl; *line; line = nl + 1) {
			nl = strchr(line, '\n');
			if (nl)
				*nl = 0;
			if (*line && strncmp(line, "== ", 3))
				last = line;
			if (!strncmp(line, "ppredict ", 9) && strchr(line, ':'))
				best = strchr(line, ':') + 2;
			if (!nl)
				break;
		}
	}
	pp_error_clear();
	snprintf(out, n, "%s", best ? best : last ? last : "");
	buf_release(&text);
}

/* " word", quoted as a shell would need it (the log's header can be pasted to a shell). */
static void shell_word(struct buf *b, const char *w)
{
	if (*w && !w[strcspn(w, " \t\n'\"$`\\*?;&|<>(){}[]#~!")]) {
		buf_printf(b, " %s", w);
		return;
	}
	buf_puts(b, " '");
	for (; *w; w++)
		if (*w == '\'')
			buf_puts(b, "'\\''");
		else
			buf_putc(b, *w);
	buf_putc(b, '\'');
}

static int start_try(struct run *r, struct task_exec *x)
{
	const struct pipeline *p = r->p;
	const struct dag_task *t = x->t;
	char (*args)[1024] = pp_calloc(t->nargs, sizeof(*args));
	size_t nenv = 0, na = 0;
	const char **argv = pp_calloc(t->nargs + 2 * p->nsets + 4, sizeof(*argv));
	const char **filled = pp_calloc(t->nargs + 1, sizeof(*filled));
	char **envp, produced_env[1400], head[64];
	struct buf line = BUF_INIT;
	pid_t parent = getpid(), pid;
	int fd, rc = 0;

	while (environ[nenv])
		nenv++;
	envp = pp_calloc(nenv + 2, sizeof(*envp));
	if (!args || !argv || !envp || !filled) {
		rc = PP_ENOMEM;
		goto out;
	}
	for (size_t k = 0; k < t->nargs; k++) {
		if ((rc = dag_arg(t, k, r->from, r->to, args[k], sizeof(args[k]))))
			goto out;
		filled[k] = args[k];
	}
	na = pipeline_argv(p, filled, t->nargs, argv);
	snprintf(produced_env, sizeof(produced_env), "%s=%s", PRODUCED_ENV, x->produced);
	for (size_t i = 0, k = 0; i < nenv; i++)
		if (strncmp(environ[i], PRODUCED_ENV "=", sizeof(PRODUCED_ENV)))
			envp[k++] = environ[i];
	for (size_t k = 0;; k++)
		if (!envp[k]) {
			envp[k] = produced_env;
			break;
		}

	x->tries++;
	stamp(time_now_ms(), head);
	buf_printf(&line, "== %s: try %d of %d:", head, x->tries, t->retries + 1);
	for (size_t k = 1; k < na; k++)
		shell_word(&line, argv[k]);
	buf_putc(&line, '\n');
	if ((fd = open(x->log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644)) < 0) {
		rc = pp_error_errno(PP_EIO, "task %s: its log %s", t->name, x->log);
		goto out;
	}
	if (write(fd, line.data, line.len) != (ssize_t)line.len) {
		/* the log is the task's: a short header does not stop it */
	}
	if ((pid = fork()) < 0) {
		close(fd);
		rc = pp_error_errno(PP_EIO, "task %s: fork", t->name);
		goto out;
	}
	if (pid == 0) { /* the task: its own process group, gone when the runner goes */
		int nul = open("/dev/null", O_RDONLY);
		setpgid(0, 0);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(127);
		if (nul < 0 || dup2(nul, 0) < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0)
			_exit(127);
		execve(p->exe, (char *const *)argv, envp);
		dprintf(2, "ppredict pipeline: cannot start %s: %s\n", p->exe, strerror(errno));
		_exit(127);
	}
	setpgid(pid, pid); /* as the child does: whichever runs first */
	close(fd);
	x->pid = pid;
	x->phase = RUNNING;
	x->timed_out = false;
	x->kill_at = 0;
	if (!x->started)
		x->started = time_now_ms();
	x->deadline = t->timeout_ms > 0 ? time_now_ms() + t->timeout_ms : 0;
	r->running++;
	record(r, x, NULL);
out:
	buf_release(&line);
	pp_free(args);
	pp_free(argv);
	pp_free(filled);
	pp_free(envp);
	return rc;
}

/* A try ended with status: done, or a retry scheduled. */
static void try_ended(struct run *r, struct task_exec *x, int status)
{
	const struct dag_task *t = x->t;
	char err[400];

	x->pid = 0;
	r->running--;
	x->exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	if (x->exit_code == 0 && !x->kill_at) { /* one stopped in time is not a success, however it exits */
		x->why[0] = 0;
		finish(r, x, TASK_SUCCESS, NULL);
		return;
	}
	if (x->timed_out)
		snprintf(err, sizeof(err), "timed out after %.0f s", (double)t->timeout_ms / 1000.0);
	else if (x->kill_at)
		snprintf(err, sizeof(err), "stopped with the run");
	else
		failure_of(x, err, sizeof(err));
	if (!err[0])
		snprintf(err, sizeof(err), "exit status %d", x->exit_code);
	if (x->tries <= t->retries && !(r->o->stop && *r->o->stop)) {
		int64_t delay = t->retry_delay_ms << (x->tries - 1 < 20 ? x->tries - 1 : 20);
		snprintf(x->why, sizeof(x->why), "try %d: %s; retrying in %.1f s", x->tries, err, (double)delay / 1000.0);
		x->phase = PENDING;
		x->not_before = time_now_ms() + delay;
		record(r, x, NULL);
		return;
	}
	if (t->soft)
		finish(r, x, TASK_REFUSED, "%s", err);
	else
		finish(r, x, TASK_FAILED, "%s%s", err, x->tries > 1 ? " (after every retry)" : "");
}

/* Whether a dependency's end lets a task run. */
static bool lets_run(const struct task_exec *dep)
{
	return !strcmp(dep->state, TASK_SUCCESS) || !strcmp(dep->state, TASK_SKIPPED) ||
	       (dep->t->soft && strcmp(dep->state, TASK_UPSTREAM_FAILED) && strcmp(dep->state, TASK_NOT_RUN));
}

/* Decides a pending task whose dependencies are done: it cannot run (done), it waits, or
 * it is ready (true). */
static bool ready(struct run *r, struct task_exec *x)
{
	const struct dag_task *t = x->t;
	char done_in[64], past[32];

	if (!r->o->only) {
		for (size_t k = 0; k < t->ndeps; k++) {
			const struct task_exec *dep = &r->tasks[t->deps[k]];
			if (dep->phase != DONE)
				return false;
			if (!lets_run(dep)) {
				finish(r, x, TASK_UPSTREAM_FAILED, "%s %s", dep->t->name, dep->state);
				return false;
			}
		}
	}
	if (x->tries == 0 && !r->o->force) {
		if (history_task_done(r->h, r->p->dag.name, r->start, r->end, r->data_version, t->name, done_in,
				      sizeof(done_in)))
			log_warn("%s", pp_errmsg());
		else if (done_in[0]) {
			finish(r, x, TASK_SKIPPED, "done in run %s for this interval and data", done_in);
			return false;
		}
	}
	if (x->tries == 0 && t->depends_on_past) {
		if (history_task_before(r->h, r->p->dag.name, r->start, t->name, past, sizeof(past)))
			log_warn("%s", pp_errmsg());
		else if (past[0] && strcmp(past, TASK_SUCCESS) && strcmp(past, TASK_SKIPPED) && strcmp(past, TASK_REFUSED)) {
			finish(r, x, TASK_NOT_RUN, "depends_on_past: it ended %s in the run over the interval before", past);
			return false;
		}
	}
	return time_now_ms() >= x->not_before;
}

static void poll_children(struct run *r)
{
	int64_t now = time_now_ms();

	for (size_t i = 0; i < r->p->dag.ntasks; i++) {
		struct task_exec *x = &r->tasks[i];
		siginfo_t info = { 0 };
		int status;
		if (x->phase != RUNNING)
			continue;
		/* ended? seen without reaping it, so that its process group cannot be anyone
		 * else's when what the task left in it is killed */
		if (!waitid(P_PID, (id_t)x->pid, &info, WEXITED | WNOHANG | WNOWAIT) && info.si_pid == x->pid) {
			kill(-x->pid, SIGKILL);
			waitpid(x->pid, &status, 0);
			try_ended(r, x, status);
			continue;
		}
		if (x->kill_at && now >= x->kill_at) {
			kill(-x->pid, SIGKILL);
		} else if (!x->kill_at && ((x->deadline && now >= x->deadline) || (r->o->stop && *r->o->stop))) {
			x->timed_out = !(r->o->stop && *r->o->stop);
			kill(-x->pid, SIGTERM);
			x->kill_at = now + KILL_GRACE_MS;
		}
	}
}

/* The run's one-line account: what failed, what was refused, what did not run. */
static void summarize(struct run *r, struct run_result *res)
{
	struct buf why = BUF_INIT;
	const struct dag *d = &r->p->dag;

	res->ok = true;
	for (size_t i = 0; i < d->ntasks; i++) {
		const struct task_exec *x = &r->tasks[d->order[i]];
		bool failed = !strcmp(x->state, TASK_FAILED) || !strcmp(x->state, TASK_UPSTREAM_FAILED) ||
			      (!strcmp(x->state, TASK_NOT_RUN) && !r->o->only);
		if (failed)
			res->ok = false;
		if (failed || !strcmp(x->state, TASK_REFUSED))
			buf_printf(&why, "%s%s %s%s%s", why.len ? "; " : "", x->t->name, x->state,
				   x->why[0] ? ": " : "", x->why);
	}
	snprintf(res->why, sizeof(res->why), "%s", why.data ? why.data : "");
	buf_release(&why);
}

static int run_tasks(struct run *r)
{
	const struct dag *d = &r->p->dag;
	int rc = 0;

	for (;;) {
		size_t pending = 0;
		bool stopping = r->o->stop && *r->o->stop;
		for (size_t i = 0; i < d->ntasks; i++) {
			struct task_exec *x = &r->tasks[d->order[i]];
			if (x->phase != PENDING)
				continue;
			if (stopping) {
				finish(r, x, TASK_NOT_RUN, "the run was stopped");
				continue;
			}
			pending++;
			if (r->running < (size_t)r->p->cfg->pipeline_parallelism && ready(r, x) && (rc = start_try(r, x))) {
				finish(r, x, TASK_FAILED, "%s", pp_errmsg());
				rc = 0;
			}
		}
		if (!pending && !r->running)
			return rc;
		usleep(POLL_MS * 1000);
		poll_children(r);
	}
}

int pipeline_run(struct pipeline *p, const struct run_opts *o, struct run_result *res)
{
	struct run *r = pp_calloc(1, sizeof(*r));
	struct run_lock lock = { .fd = -1 };
	char path[1200], host[64] = "", started[32];
	int64_t newest;
	int rc;

	memset(res, 0, sizeof(*res));
	if (!r)
		return PP_ENOMEM;
	r->p = p;
	r->o = o;
	if ((rc = pipeline_lock_path(p, path, sizeof(path))) || (rc = run_lock_take(&lock, path)) || (rc = history_open(&r->h, p->dir)))
		goto out;
	/* holding the lock, no run of this DAG is alive: any still "running" died */
	if ((rc = history_close_orphans(r->h, p->dag.name, "its runner died (the lock was free)")))
		goto out;
	if (o->only && dag_find(&p->dag, o->only) < 0) {
		rc = pp_error(PP_EUSAGE, "--only: the DAG %s has no task '%s'", p->dag.name, o->only);
		goto out;
	}
	if ((rc = pipeline_data_state(p, r->data_version, &newest)))
		goto out;
	if (o->run_id)
		snprintf(r->id, sizeof(r->id), "%s", o->run_id);
	else
		pipeline_run_id(r->id);
	stamp(o->start_ms, r->start);
	stamp(o->end_ms, r->end);
	pipeline_interval_dates(p, o->start_ms, o->end_ms, r->from, r->to);
	gethostname(host, sizeof(host) - 1);
	stamp(time_now_ms(), started);
	{
		char sched[32];
		stamp(o->scheduled_for, sched);
		struct run_row row = { .id = r->id, .dag = p->dag.name, .data_start = r->start, .data_end = r->end,
				       .data_version = r->data_version, .trigger = o->trigger ? o->trigger : "manual",
				       .scheduled_for = sched[0] ? sched : NULL, .started = started, .host = host,
				       .pid = getpid() };
		if ((rc = history_run_begin(r->h, &row)))
			goto out;
	}
	snprintf(res->id, sizeof(res->id), "%s", r->id);
	snprintf(path, sizeof(path), "%s/runs/%s", p->dir, r->id);
	if ((rc = fs_mkdir_p(path)))
		goto out;
	if (o->out)
		fprintf(o->out, "run %s of %s over %s..%s (data %s)\n", r->id, p->dag.name, r->from, r->to,
			r->data_version);
	for (size_t i = 0; i < p->dag.ntasks; i++) { /* recorded in the order they run */
		struct task_exec *x = &r->tasks[p->dag.order[i]];
		x->t = &p->dag.tasks[p->dag.order[i]];
		x->state = TASK_QUEUED;
		snprintf(x->log, sizeof(x->log), "%s/%s.log", path, x->t->name);
		snprintf(x->produced, sizeof(x->produced), "%s/%s.produced", path, x->t->name);
		if (o->only && strcmp(o->only, x->t->name)) {
			x->log[0] = 0;
			finish(r, x, TASK_NOT_RUN, "--only %s", o->only);
		} else {
			record(r, x, NULL);
		}
	}
	rc = run_tasks(r);
	summarize(r, res);
	if (!rc)
		rc = history_run_end(r->h, r->id, res->ok ? RUN_SUCCESS : RUN_FAILED, res->why[0] ? res->why : NULL);
out:
	history_close(r->h);
	run_lock_release(&lock);
	pp_free(r);
	return rc;
}
