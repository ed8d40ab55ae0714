/* The pipeline's DAG from YAML (dag.h). */
#include "pipeline/dag.h"
#include "core/err.h"
#include "core/timeutil.h"
#include "core/mem.h"
#include "core/parse.h"
#include "core/yaml_json.h"

#include <ctype.h>

static const char default_dag[] =
	"# The pipeline that ships with ppredict: each task is one of its commands, run after the\n"
	"# ones it depends on; {from} and {to} are the run's data interval.\n"
	"dag: shop\n"
	"schedule: \"0 3 * * *\"\n"
	"timezone: UTC\n"
	"catchup: false\n"
	"tasks:\n"
	"  - {name: etl, command: [etl], retries: 2, retry_delay: 30s, timeout: 2h}\n"
	"  - {name: check, command: [check], depends_on: [etl], timeout: 1h}\n"
	"  - {name: recommendations, command: [recommend, eval], depends_on: [etl], timeout: 1h}\n"
	"  - {name: features, command: [features, build], depends_on: [check], timeout: 2h}\n"
	"  - {name: train, command: [train], depends_on: [features], timeout: 4h}\n"
	"  - {name: evaluate, command: [drift, --reference, model, --current, \"features/training_set:{from}..{to}\"],\n"
	"     depends_on: [train], timeout: 1h, soft: true}\n"
	"  - {name: promote, command: [models, promote, --by, pipeline], depends_on: [evaluate], soft: true}\n"
	"  - {name: materialize, command: [materialize], depends_on: [promote], retries: 2, retry_delay: 30s,\n"
	"     timeout: 2h}\n";

const char *dag_default_text(void)
{
	return default_dag;
}

#define BAD(...) pp_error(PP_EINVAL, __VA_ARGS__)

static bool identifier(const char *s)
{
	if (!s || !*s || !(isalpha((unsigned char)*s) || *s == '_'))
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '_' && *s != '-')
			return false;
	return true;
}

static int check_keys(const json_t *o, const char *const *keys, const char *where)
{
	const char *k;
	json_t *v;

	json_object_foreach((json_t *)o, k, v) {
		size_t i = 0;
		while (keys[i] && strcmp(keys[i], k))
			i++;
		if (!keys[i])
			return BAD("%s: unknown field '%s'", where, k);
	}
	return 0;
}

static int duration(const json_t *v, const char *where, const char *field, int64_t def, int64_t *out)
{
	*out = def;
	if (!v)
		return 0;
	if (!json_is_string(v) || parse_duration_ms(json_string_value(v), json_string_length(v), out) || *out <= 0)
		return BAD("%s: %s: expected a duration such as 30s, 10m or 2h", where, field);
	return 0;
}

static int parse_task(struct dag *d, const json_t *j, size_t i,
		      bool (*is_command)(const char *const *words, size_t n))
{
	static const char *const keys[] = { "name", "command", "depends_on", "retries", "retry_delay", "timeout",
					    "depends_on_past", "soft", NULL };
	struct dag_task *t = &d->tasks[i];
	char where[200];
	const json_t *cmd, *v;
	int rc;

	t->name = json_string_value(json_object_get(j, "name"));
	snprintf(where, sizeof(where), "%s: task %s", d->file, t->name ? t->name : "(no name)");
	if (!json_is_object(j))
		return BAD("%s: tasks[%zu]: expected a mapping", d->file, i);
	if ((rc = check_keys(j, keys, where)))
		return rc;
	if (!identifier(t->name))
		return BAD("%s: name: expected letters, digits, _ and -", where);
	for (size_t k = 0; k < i; k++)
		if (!strcmp(d->tasks[k].name, t->name))
			return BAD("%s: a task of that name is declared before", where);
	cmd = json_object_get(j, "command");
	if (!json_is_array(cmd) || !json_array_size(cmd) || json_array_size(cmd) >= DAG_MAX_ARGS)
		return BAD("%s: command: expected a list of a ppredict command and its arguments (at most %d)", where,
			   DAG_MAX_ARGS - 1);
	for (size_t k = 0; k < json_array_size(cmd); k++) {
		if (!json_is_string(json_array_get(cmd, k)))
			return BAD("%s: command[%zu]: expected a string", where, k);
		t->args[t->nargs++] = json_string_value(json_array_get(cmd, k));
	}
	t->args[t->nargs] = NULL;
	if (is_command && !is_command(t->args, t->nargs))
		return BAD("%s: command: '%s' is not a ppredict command", where, t->args[0]);
	if ((v = json_object_get(j, "retries")) && (!json_is_integer(v) || json_integer_value(v) < 0 ||
						    json_integer_value(v) > 10))
		return BAD("%s: retries: expected an integer from 0 to 10", where);
	t->retries = v ? (int)json_integer_value(v) : 0;
	if ((rc = duration(json_object_get(j, "retry_delay"), where, "retry_delay", 10000, &t->retry_delay_ms)) ||
	    (rc = duration(json_object_get(j, "timeout"), where, "timeout", 3600000, &t->timeout_ms)))
		return rc;
	for (int b = 0; b < 2; b++) {
		const char *k = b ? "soft" : "depends_on_past";
		if ((v = json_object_get(j, k)) && !json_is_boolean(v))
			return BAD("%s: %s: expected true or false", where, k);
	}
	t->depends_on_past = json_is_true(json_object_get(j, "depends_on_past"));
	t->soft = json_is_true(json_object_get(j, "soft"));
	return 0;
}

/* Dependencies by name, then the order (Kahn's, ties in declaration order); a cycle is named. */
static int resolve(struct dag *d, const json_t *list)
{
	size_t indeg[DAG_MAX_TASKS] = { 0 }, n = 0;
	bool done[DAG_MAX_TASKS] = { false };

	for (size_t i = 0; i < d->ntasks; i++) {
		const json_t *deps = json_object_get(json_array_get(list, i), "depends_on");
		struct dag_task *t = &d->tasks[i];
		if (deps && !json_is_array(deps))
			return BAD("%s: task %s: depends_on: expected a list of task names", d->file, t->name);
		for (size_t k = 0; k < json_array_size(deps); k++) {
			const char *name = json_string_value(json_array_get(deps, k));
			int at = name ? dag_find(d, name) : -1;
			if (at < 0)
				return BAD("%s: task %s: depends_on: no task '%s'", d->file, t->name, name ? name : "(not a name)");
			if ((size_t)at == i)
				return BAD("%s: task %s: depends on itself", d->file, t->name);
			t->deps[t->ndeps++] = (size_t)at;
		}
		indeg[i] = t->ndeps;
	}
	while (n < d->ntasks) {
		size_t i = 0;
		while (i < d->ntasks && (done[i] || indeg[i]))
			i++;
		if (i == d->ntasks) {
			for (i = 0; i < d->ntasks && done[i]; i++)
				;
			return BAD("%s: the tasks' dependencies make a cycle (through %s)", d->file, d->tasks[i].name);
		}
		done[i] = true;
		d->order[n++] = i;
		for (size_t k = 0; k < d->ntasks; k++)
			for (size_t e = 0; e < d->tasks[k].ndeps; e++)
				if (d->tasks[k].deps[e] == i)
					indeg[k]--;
	}
	return 0;
}

int dag_parse(struct dag *d, const char *file, const char *text, size_t len,
	      bool (*is_command)(const char *const *words, size_t n))
{
	static const char *const keys[] = { "dag",   "schedule",	"timezone", "catchup",
					    "tasks", "description", "start_date", NULL };
	const json_t *tasks, *v;
	int rc;

	memset(d, 0, sizeof(*d));
	if (!(d->file = pp_strdup(file ? file : "pipeline")))
		return PP_ENOMEM;
	if ((rc = yaml_to_json(d->file, text, len, &d->root)))
		goto fail;
	if (!json_is_object(d->root)) {
		rc = BAD("%s: expected a mapping (dag, schedule, timezone, catchup, tasks)", d->file);
		goto fail;
	}
	if ((rc = check_keys(d->root, keys, d->file)))
		goto fail;
	d->name = json_string_value(json_object_get(d->root, "dag"));
	if (!identifier(d->name)) {
		rc = BAD("%s: dag: expected a name (letters, digits, _ and -)", d->file);
		goto fail;
	}
	d->schedule_text = json_string_value(json_object_get(d->root, "schedule"));
	if (json_object_get(d->root, "schedule") && !d->schedule_text) {
		rc = BAD("%s: schedule: expected a cron expression in quotes", d->file);
		goto fail;
	}
	if (d->schedule_text && (rc = cron_parse(&d->schedule, d->schedule_text))) {
		rc = pp_error_wrap(rc, "%s: schedule", d->file);
		goto fail;
	}
	d->timezone = json_string_value(json_object_get(d->root, "timezone"));
	if (!d->timezone)
		d->timezone = "UTC";
	if ((v = json_object_get(d->root, "catchup")) && !json_is_boolean(v)) {
		rc = BAD("%s: catchup: expected true or false", d->file);
		goto fail;
	}
	d->catchup = json_is_true(v);
	if ((v = json_object_get(d->root, "start_date"))) {
		const char *t = json_string_value(v);
		if (!t || time_parse(t, strlen(t), &d->start_ms)) {
			rc = BAD("%s: start_date: expected a date or an RFC 3339 time", d->file);
			goto fail;
		}
	}
	tasks = json_object_get(d->root, "tasks");
	if (!json_is_array(tasks) || !json_array_size(tasks) || json_array_size(tasks) > DAG_MAX_TASKS) {
		rc = BAD("%s: tasks: expected a list of 1 to %d tasks", d->file, DAG_MAX_TASKS);
		goto fail;
	}
	d->ntasks = json_array_size(tasks);
	for (size_t i = 0; i < d->ntasks; i++)
		if ((rc = parse_task(d, json_array_get(tasks, i), i, is_command)))
			goto fail;
	if ((rc = resolve(d, tasks)))
		goto fail;
	return 0;
fail:
	dag_release(d);
	return rc;
}

int dag_default(struct dag *d, bool (*is_command)(const char *const *words, size_t n))
{
	return dag_parse(d, "the shipped pipeline", default_dag, sizeof(default_dag) - 1, is_command);
}

void dag_release(struct dag *d)
{
	json_decref(d->root);
	pp_free(d->file);
	memset(d, 0, sizeof(*d));
}

int dag_find(const struct dag *d, const char *name)
{
	for (size_t i = 0; i < d->ntasks; i++)
		if (d->tasks[i].name && !strcmp(d->tasks[i].name, name))
			return (int)i;
	return -1;
}

int dag_arg(const struct dag_task *t, size_t k, const char *from, const char *to, char *out, size_t n)
{
	const char *s = t->args[k];
	size_t o = 0;

	while (*s) {
		size_t skip = !strncmp(s, "{from}", 6) ? 6 : !strncmp(s, "{to}", 4) ? 4 : 0;
		const char *with = skip == 6 ? from : skip == 4 ? to : s;
		size_t len = skip ? strlen(with) : 1;
		if (o + len >= n)
			return pp_error(PP_ELIMIT, "task %s: argument %zu is too long", t->name, k);
		memcpy(out + o, with, len);
		o += len;
		s += skip ? skip : 1;
	}
	out[o] = 0;
	return 0;
}
