/* The model registry in SQLite (model_index.h). */
#include "model/model_index.h"
#include "core/buf.h"
#include "core/err.h"
#include "core/fsutil.h"
#include "core/mem.h"
#include "core/produced.h"
#include "core/sqlite_store.h"
#include "core/timeutil.h"

#include <sqlite3.h>

struct model_index {
	sqlite3 *db;
	char *path;
};

static const char schema[] =
	"CREATE TABLE IF NOT EXISTS models ("
	" version TEXT PRIMARY KEY, created TEXT NOT NULL,"
	" stage TEXT NOT NULL CHECK (stage IN ('candidate', 'champion', 'archived')),"
	" model TEXT, feature_registry TEXT, test_from TEXT, test_to TEXT,"
	" test_roc_auc REAL, test_pr_auc REAL, threshold REAL, shuffled INTEGER NOT NULL DEFAULT 0,"
	" promoted_at TEXT, promoted_by TEXT);"
	"CREATE UNIQUE INDEX IF NOT EXISTS one_champion ON models (stage) WHERE stage = 'champion';"
	"CREATE TABLE IF NOT EXISTS stage_history ("
	" at TEXT NOT NULL, version TEXT NOT NULL, stage TEXT NOT NULL, by TEXT, why TEXT);";

static int fail(struct model_index *x, const char *what)
{
	return pp_error(PP_EIO, "model registry %s: %s: %s", x->path, what, sqlite3_errmsg(x->db));
}

int model_index_open_path(struct model_index **out, const char *path)
{
	struct model_index *x = pp_calloc(1, sizeof(*x));
	int rc;

	*out = NULL;
	if (!x || !(x->path = pp_strdup(path))) {
		pp_free(x);
		return PP_ENOMEM;
	}
	if ((rc = sqlite_store_open(&x->db, path, schema, "model registry"))) {
		model_index_close(x);
		return rc;
	}
	*out = x;
	return 0;
}

int model_index_open(struct model_index **out, const struct config *cfg)
{
	struct buf path = BUF_INIT;
	int rc;

	*out = NULL;
	if (cfg->models_index[0] == '/')
		rc = buf_puts(&path, cfg->models_index);
	else if (strstr(cfg->lake_root, "://"))
		return pp_error(PP_ECONFIG, "models.index: %s is relative to lake.root, which is not a local "
				"directory (%s): give an absolute path", cfg->models_index, cfg->lake_root);
	else
		rc = buf_printf(&path, "%s/%s", cfg->lake_root, cfg->models_index);
	if (!rc) {
		char *slash = strrchr(path.data, '/');
		if (slash) { /* its directory first */
			*slash = 0;
			rc = fs_mkdir_p(path.data);
			*slash = '/';
		}
	}
	if (!rc)
		rc = model_index_open_path(out, path.data);
	buf_release(&path);
	return rc;
}

void model_index_close(struct model_index *x)
{
	if (!x)
		return;
	sqlite3_close(x->db);
	pp_free(x->path);
	pp_free(x);
}

static const char *str_of(const json_t *o, const char *a, const char *b)
{
	const json_t *v = json_object_get(o, a);

	return json_string_value(b ? json_object_get(v, b) : v);
}

int model_index_add(struct model_index *x, const json_t *meta)
{
	sqlite3_stmt *st;
	const json_t *test = json_object_get(meta, "metrics_test");
	int rc = 0;

	if (sqlite3_prepare_v2(x->db,
			       "INSERT INTO models (version, created, stage, model, feature_registry, test_from,"
			       " test_to, test_roc_auc, test_pr_auc, threshold, shuffled)"
			       " VALUES (?, ?, 'candidate', ?, ?, ?, ?, ?, ?, ?, ?)", -1, &st, NULL) != SQLITE_OK)
		return fail(x, "adding a model");
	sqlite3_bind_text(st, 1, str_of(meta, "version", NULL), -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, str_of(meta, "created", NULL), -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, str_of(meta, "model", NULL), -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 4, str_of(meta, "feature_registry", NULL), -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 5, str_of(meta, "windows", "test_from"), -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 6, str_of(meta, "windows", "test_to"), -1, SQLITE_TRANSIENT);
	sqlite3_bind_double(st, 7, json_number_value(json_object_get(test, "roc_auc")));
	sqlite3_bind_double(st, 8, json_number_value(json_object_get(test, "pr_auc")));
	sqlite3_bind_double(st, 9, json_number_value(json_object_get(json_object_get(meta, "threshold"), "value")));
	sqlite3_bind_int(st, 10, json_is_true(json_object_get(meta, "shuffled_labels")));
	if (sqlite3_step(st) != SQLITE_DONE)
		rc = fail(x, "adding a model");
	else
		produced_note("model", str_of(meta, "version", NULL), -1);
	sqlite3_finalize(st);
	return rc;
}

#define COLUMNS "version, stage, created, coalesce(model, ''), coalesce(test_from, ''), coalesce(test_to, ''), " \
		"coalesce(promoted_at, ''), coalesce(promoted_by, ''), coalesce(feature_registry, ''), " \
		"coalesce(test_roc_auc, 0), coalesce(test_pr_auc, 0), coalesce(threshold, 0), shuffled"

static void row_of(sqlite3_stmt *st, struct indexed_model *m)
{
	char *fields[9] = { m->version, m->stage, m->created, m->model, m->test_from, m->test_to,
			    m->promoted_at, m->promoted_by, m->feature_registry };
	size_t sizes[9] = { sizeof(m->version), sizeof(m->stage), sizeof(m->created), sizeof(m->model),
			    sizeof(m->test_from), sizeof(m->test_to), sizeof(m->promoted_at),
			    sizeof(m->promoted_by), sizeof(m->feature_registry) };

	for (int i = 0; i < 9; i++)
		snprintf(fields[i], sizes[i], "%s", (const char *)sqlite3_column_text(st, i) ?: "");
	m->test_roc_auc = sqlite3_column_double(st, 9);
	m->test_pr_auc = sqlite3_column_double(st, 10);
	m->threshold = sqlite3_column_double(st, 11);
	m->shuffled = sqlite3_column_int(st, 12) != 0;
}

/* The first row of sql (one text parameter, or none) into out. */
static int one(struct model_index *x, const char *sql, const char *param, struct indexed_model *out)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(x->db, sql, -1, &st, NULL) != SQLITE_OK)
		return fail(x, "reading");
	if (param)
		sqlite3_bind_text(st, 1, param, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		row_of(st, out);
		rc = 0;
	} else {
		rc = rc == SQLITE_DONE ? PP_ENOENT : fail(x, "reading");
	}
	sqlite3_finalize(st);
	return rc;
}

int model_index_get(struct model_index *x, const char *version, struct indexed_model *out)
{
	int rc = one(x, "SELECT " COLUMNS " FROM models WHERE version = ?", version, out);

	return rc == PP_ENOENT ? pp_error(rc, "model %s: not in the registry (`ppredict models list`)", version) : rc;
}

int model_index_champion(struct model_index *x, struct indexed_model *out)
{
	int rc = one(x, "SELECT " COLUMNS " FROM models WHERE stage = 'champion'", NULL, out);

	return rc == PP_ENOENT ? pp_error(rc, "no champion yet (`ppredict models promote`)") : rc;
}

int model_index_newest_candidate(struct model_index *x, struct indexed_model *out)
{
	int rc = one(x, "SELECT " COLUMNS " FROM models WHERE stage = 'candidate' ORDER BY version DESC LIMIT 1",
		     NULL, out);

	return rc == PP_ENOENT ? pp_error(rc, "no candidate model (`ppredict train`)") : rc;
}

int model_index_list(struct model_index *x, int (*fn)(void *ctx, const struct indexed_model *m), void *ctx)
{
	sqlite3_stmt *st;
	int rc = 0, s;

	if (sqlite3_prepare_v2(x->db, "SELECT " COLUMNS " FROM models ORDER BY version DESC", -1, &st, NULL) !=
	    SQLITE_OK)
		return fail(x, "listing");
	while (!rc && (s = sqlite3_step(st)) == SQLITE_ROW) {
		struct indexed_model m;
		row_of(st, &m);
		rc = fn(ctx, &m);
	}
	if (!rc && s != SQLITE_DONE)
		rc = fail(x, "listing");
	sqlite3_finalize(st);
	return rc;
}

/* Runs sql with text parameters (NULL-terminated). */
static int run(struct model_index *x, const char *sql, const char *const *params)
{
	sqlite3_stmt *st;
	int rc = 0;

	if (sqlite3_prepare_v2(x->db, sql, -1, &st, NULL) != SQLITE_OK)
		return fail(x, "writing");
	for (int i = 0; params && params[i]; i++)
		sqlite3_bind_text(st, i + 1, params[i], -1, SQLITE_TRANSIENT);
	if (sqlite3_step(st) != SQLITE_DONE)
		rc = fail(x, "writing");
	sqlite3_finalize(st);
	return rc;
}

/* Within a transaction: version becomes champion (the current one archived). */
static int crown(struct model_index *x, const char *version, const char *by, const char *why, const char *now)
{
	const char *const hist_old[] = { now, by, NULL };
	const char *const set_new[] = { now, by, version, NULL };
	const char *const hist_new[] = { now, version, by, why, NULL };
	int rc;

	if ((rc = run(x, "INSERT INTO stage_history SELECT ?, version, 'archived', ?, 'replaced' FROM models "
			 "WHERE stage = 'champion'", hist_old + 0)) ||
	    (rc = run(x, "UPDATE models SET stage = 'archived' WHERE stage = 'champion'", NULL)) ||
	    (rc = run(x, "UPDATE models SET stage = 'champion', promoted_at = ?, promoted_by = ? WHERE version = ?",
		      set_new)) ||
	    (rc = run(x, "INSERT INTO stage_history VALUES (?, ?, 'champion', ?, ?)", hist_new)))
		return rc;
	return 0;
}

int model_index_promote(struct model_index *x, const char *version, const char *by, const char *why)
{
	struct indexed_model m;
	char now[32];
	int rc;

	if ((rc = model_index_get(x, version, &m)))
		return rc;
	if (!strcmp(m.stage, "champion"))
		return pp_error(PP_EINVAL, "model %s is the champion already", version);
	time_format_rfc3339(time_now_ms(), now);
	if ((rc = run(x, "BEGIN IMMEDIATE", NULL)))
		return rc;
	rc = crown(x, version, by, why, now);
	if ((rc = run(x, rc ? "ROLLBACK" : "COMMIT", NULL) ? PP_EIO : rc))
		return rc;
	produced_note("champion", version, -1);
	return 0;
}

int model_index_rollback(struct model_index *x, const char *by, char *restored, size_t n)
{
	struct indexed_model cur, prev;
	char now[32], why[128];
	int rc;

	if ((rc = model_index_champion(x, &cur)))
		return rc;
	rc = one(x, "SELECT " COLUMNS " FROM models WHERE version = (SELECT version FROM stage_history "
		    "WHERE stage = 'champion' AND version <> ?1 ORDER BY rowid DESC LIMIT 1)", cur.version, &prev);
	if (rc == PP_ENOENT)
		return pp_error(rc, "no earlier champion to roll back to (%s is the first)", cur.version);
	if (rc)
		return rc;
	snprintf(why, sizeof(why), "rollback from %s", cur.version);
	time_format_rfc3339(time_now_ms(), now);
	if ((rc = run(x, "BEGIN IMMEDIATE", NULL)))
		return rc;
	rc = crown(x, prev.version, by, why, now);
	if ((rc = run(x, rc ? "ROLLBACK" : "COMMIT", NULL) ? PP_EIO : rc))
		return rc;
	snprintf(restored, n, "%s", prev.version);
	produced_note("champion", prev.version, -1);
	return 0;
}

json_t *model_index_history(struct model_index *x, const char *version)
{
	sqlite3_stmt *st;
	json_t *out = json_array();

	if (sqlite3_prepare_v2(x->db, "SELECT at, stage, coalesce(by, ''), coalesce(why, '') FROM stage_history "
				      "WHERE version = ? ORDER BY rowid", -1, &st, NULL) != SQLITE_OK)
		return out;
	sqlite3_bind_text(st, 1, version, -1, SQLITE_TRANSIENT);
	while (sqlite3_step(st) == SQLITE_ROW)
		json_array_append_new(out, json_pack("{s:s,s:s,s:s,s:s}", "at", sqlite3_column_text(st, 0), "stage",
						     sqlite3_column_text(st, 1), "by", sqlite3_column_text(st, 2),
						     "why", sqlite3_column_text(st, 3)));
	sqlite3_finalize(st);
	return out;
}
