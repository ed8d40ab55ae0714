/* The pipeline's run history in SQLite (history.h). */
#include "pipeline/history.h"
#include "core/err.h"
#include "core/fsutil.h"
#include "core/mem.h"
#include "core/sqlite_store.h"

#include <sqlite3.h>

struct history {
	sqlite3 *db;
	char path[1024];
};

static const char schema[] =
	"CREATE TABLE IF NOT EXISTS runs ("
	" id TEXT PRIMARY KEY, dag TEXT NOT NULL, data_start TEXT NOT NULL, data_end TEXT NOT NULL,"
	" data_version TEXT NOT NULL, trigger TEXT NOT NULL, scheduled_for TEXT,"
	" state TEXT NOT NULL, started TEXT NOT NULL, ended TEXT, why TEXT, pid INTEGER, host TEXT);"
	"CREATE INDEX IF NOT EXISTS runs_by_interval ON runs (dag, data_start, data_end);"
	"CREATE TABLE IF NOT EXISTS tasks ("
	" run_id TEXT NOT NULL REFERENCES runs (id), task TEXT NOT NULL, state TEXT NOT NULL,"
	" tries INTEGER NOT NULL DEFAULT 0, started TEXT, ended TEXT, exit_code INTEGER, log TEXT,"
	" produced TEXT, why TEXT, PRIMARY KEY (run_id, task));";

static int fail(struct history *h, const char *what)
{
	return pp_error(PP_EIO, "pipeline history %s: %s: %s", h->path, what, sqlite3_errmsg(h->db));
}

int history_open(struct history **out, const char *dir)
{
	struct history *h = pp_calloc(1, sizeof(*h));
	int rc;

	*out = NULL;
	if (!h)
		return PP_ENOMEM;
	if ((rc = fs_mkdir_p(dir))) {
		pp_free(h);
		return pp_error_wrap(rc, "pipeline.dir %s", dir);
	}
	snprintf(h->path, sizeof(h->path), "%s/history.sqlite", dir);
	if ((rc = sqlite_store_open(&h->db, h->path, schema, "pipeline history"))) {
		history_close(h);
		return rc;
	}
	*out = h;
	return 0;
}

void history_close(struct history *h)
{
	if (!h)
		return;
	sqlite3_close(h->db);
	pp_free(h);
}

/* Prepares sql and binds the texts (NULL binds NULL) then the integers after them. */
static int prepare(struct history *h, sqlite3_stmt **st, const char *sql, const char *const *texts, size_t nt,
		   const int64_t *ints, size_t ni)
{
	if (sqlite3_prepare_v2(h->db, sql, -1, st, NULL) != SQLITE_OK)
		return fail(h, "preparing a query");
	for (size_t i = 0; i < nt; i++)
		sqlite3_bind_text(*st, (int)i + 1, texts[i], -1, SQLITE_TRANSIENT);
	for (size_t i = 0; i < ni; i++)
		sqlite3_bind_int64(*st, (int)(nt + i) + 1, ints[i]);
	return 0;
}

static int exec(struct history *h, const char *sql, const char *const *texts, size_t nt, const int64_t *ints,
		size_t ni)
{
	sqlite3_stmt *st;
	int rc;

	if ((rc = prepare(h, &st, sql, texts, nt, ints, ni)))
		return rc;
	rc = sqlite3_step(st) == SQLITE_DONE ? 0 : fail(h, "writing");
	sqlite3_finalize(st);
	return rc;
}

/* The first column of the first row as text into out ("" when no row). */
static int query_text(struct history *h, const char *sql, const char *const *texts, size_t nt, char *out,
		      size_t n)
{
	sqlite3_stmt *st;
	int rc, step;

	out[0] = 0;
	if ((rc = prepare(h, &st, sql, texts, nt, NULL, 0)))
		return rc;
	step = sqlite3_step(st);
	if (step == SQLITE_ROW) {
		const unsigned char *v = sqlite3_column_text(st, 0);
		snprintf(out, n, "%s", v ? (const char *)v : "");
	} else if (step != SQLITE_DONE) {
		rc = fail(h, "reading");
	}
	sqlite3_finalize(st);
	return rc;
}

int history_run_begin(struct history *h, const struct run_row *r)
{
	const char *t[] = { r->id, r->dag, r->data_start, r->data_end, r->data_version, r->trigger, r->scheduled_for,
			    r->started, r->host };
	int64_t pid = r->pid;

	return exec(h, "INSERT INTO runs (id, dag, data_start, data_end, data_version, trigger, scheduled_for, "
		       "started, host, pid, state) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'running')",
		    t, ARRAY_SIZE(t), &pid, 1);
}

int history_run_end(struct history *h, const char *id, const char *state, const char *why)
{
	const char *t[] = { state, why, id };

	return exec(h, "UPDATE runs SET state = ?, why = ?, ended = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') "
		       "WHERE id = ?", t, ARRAY_SIZE(t), NULL, 0);
}

int history_task_put(struct history *h, const struct task_row *r)
{
	const char *t[] = { r->run_id, r->task, r->state, r->started, r->ended, r->log, r->produced, r->why };
	int64_t i[] = { r->tries, r->exit_code };

	/* an upsert, not a replace: the rows keep the order they were first written in */
	return exec(h, "INSERT INTO tasks (run_id, task, state, started, ended, log, produced, why, tries, "
		       "exit_code) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, CASE WHEN ?9 = 0 THEN NULL ELSE ?10 END) ON CONFLICT (run_id, task) DO UPDATE SET "
		       "state = excluded.state, started = excluded.started, ended = excluded.ended, log = excluded.log, "
		       "produced = excluded.produced, why = excluded.why, tries = excluded.tries, "
		       "exit_code = excluded.exit_code", t, ARRAY_SIZE(t), i, 2);
}

int history_close_orphans(struct history *h, const char *dag, const char *why)
{
	const char *t[] = { why, dag };
	const char *u[] = { dag };
	int rc;

	if ((rc = exec(h, "UPDATE tasks SET state = 'failed', why = 'its run died while it ran', "
			  "ended = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE state IN ('running', 'queued') AND "
			  "run_id IN (SELECT id FROM runs WHERE state = 'running' AND dag = ?)", u, 1, NULL, 0)))
		return rc;
	return exec(h, "UPDATE runs SET state = 'failed', why = ?, ended = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') "
		       "WHERE state = 'running' AND dag = ?", t, ARRAY_SIZE(t), NULL, 0);
}

int history_task_done(struct history *h, const char *dag, const char *start, const char *end,
		      const char *data_version, const char *task, char *out, size_t n)
{
	const char *t[] = { dag, start, end, data_version, task };

	return query_text(h, "SELECT r.id FROM tasks k JOIN runs r ON r.id = k.run_id WHERE r.dag = ? AND "
			     "r.data_start = ? AND r.data_end = ? AND r.data_version = ? AND k.task = ? AND "
			     "k.state IN ('success', 'refused') ORDER BY r.started DESC LIMIT 1",
			  t, ARRAY_SIZE(t), out, n);
}

int history_task_before(struct history *h, const char *dag, const char *start, const char *task, char *state,
			size_t n)
{
	const char *t[] = { task, dag, start };

	return query_text(h, "SELECT coalesce((SELECT state FROM tasks WHERE run_id = r.id AND task = ?), "
			     "'not_run') FROM runs r WHERE r.dag = ? AND r.data_end <= ? "
			     "ORDER BY r.data_end DESC, r.started DESC LIMIT 1", t, ARRAY_SIZE(t), state, n);
}

int history_interval_done(struct history *h, const char *dag, const char *start, const char *end, bool *done)
{
	const char *t[] = { dag, start, end };
	char id[128];
	int rc = query_text(h, "SELECT id FROM runs WHERE dag = ? AND data_start = ? AND data_end = ? AND "
			       "state = 'success' LIMIT 1", t, ARRAY_SIZE(t), id, sizeof(id));

	*done = !rc && id[0];
	return rc;
}

int history_last_scheduled(struct history *h, const char *dag, char *out, size_t n)
{
	const char *t[] = { dag };

	return query_text(h, "SELECT max(scheduled_for) FROM runs WHERE dag = ?", t, 1, out, n);
}

/* Each row of st as an object of its columns (NULL columns left out). */
static int rows_json(struct history *h, sqlite3_stmt *st, json_t *into)
{
	int step;

	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		json_t *o = json_object();
		for (int c = 0; c < sqlite3_column_count(st); c++) {
			const char *name = sqlite3_column_name(st, c);
			switch (sqlite3_column_type(st, c)) {
			case SQLITE_INTEGER:
				json_object_set_new(o, name, json_integer(sqlite3_column_int64(st, c)));
				break;
			case SQLITE_NULL:
				break;
			default: {
				const char *v = (const char *)sqlite3_column_text(st, c);
				json_t *parsed = NULL;
				if (!strcmp(name, "produced") && v) /* stored as JSON */
					parsed = json_loads(v, 0, NULL);
				json_object_set_new(o, name, parsed ? parsed : json_string(v ? v : ""));
			}
			}
		}
		json_array_append_new(into, o);
	}
	return step == SQLITE_DONE ? 0 : fail(h, "reading");
}

static int tasks_of(struct history *h, json_t *run)
{
	const char *t[] = { json_string_value(json_object_get(run, "id")) };
	json_t *tasks = json_array();
	sqlite3_stmt *st;
	int rc;

	json_object_set_new(run, "tasks", tasks);
	if ((rc = prepare(h, &st, "SELECT task, state, tries, started, ended, exit_code, log, produced, why "
				  "FROM tasks WHERE run_id = ? ORDER BY rowid", t, 1, NULL, 0)))
		return rc;
	rc = rows_json(h, st, tasks);
	sqlite3_finalize(st);
	return rc;
}

static const char run_columns[] = "SELECT id, dag, data_start, data_end, data_version, trigger, scheduled_for, "
				  "state, started, ended, why, pid, host FROM runs ";

static int runs_query(struct history *h, const char *where, const char *const *texts, size_t nt, int64_t limit,
		      json_t **out)
{
	char sql[512];
	sqlite3_stmt *st;
	json_t *runs = json_array();
	size_t i;
	json_t *r;
	int rc;

	snprintf(sql, sizeof(sql), "%s%s ORDER BY started DESC, rowid DESC LIMIT ?", run_columns, where);
	if ((rc = prepare(h, &st, sql, texts, nt, &limit, 1))) {
		json_decref(runs);
		return rc;
	}
	rc = rows_json(h, st, runs);
	sqlite3_finalize(st);
	json_array_foreach(runs, i, r)
		if (!rc)
			rc = tasks_of(h, r);
	if (rc)
		json_decref(runs);
	else
		*out = runs;
	return rc;
}

int history_runs_json(struct history *h, const char *dag, size_t limit, json_t **out)
{
	const char *t[] = { dag };

	return runs_query(h, dag ? "WHERE dag = ?" : "", t, dag ? 1 : 0, limit ? (int64_t)limit : 50, out);
}

int history_run_json(struct history *h, const char *id, json_t **out)
{
	const char *t[] = { id };
	json_t *runs;
	int rc;

	*out = NULL;
	if ((rc = runs_query(h, "WHERE id = ?", t, 1, 1, &runs)))
		return rc;
	if (!json_array_size(runs)) {
		json_decref(runs);
		return pp_error(PP_ENOENT, "no pipeline run '%s' (see `ppredict pipeline runs`)", id);
	}
	*out = json_incref(json_array_get(runs, 0));
	json_decref(runs);
	return 0;
}
