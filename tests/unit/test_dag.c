/* The pipeline's DAG: the one that ships, its order, and every way a file can be wrong. */
#include "core/err.h"
#include "core/timeutil.h"
#include "pipeline/dag.h"
#include "unit/test.h"

static bool known(const char *const *words, size_t n)
{
	static const char *const ok[] = { "etl", "check", "recommend", "features", "train", "drift", "models",
					  "materialize", NULL };
	(void)n;
	for (size_t i = 0; ok[i]; i++)
		if (!strcmp(words[0], ok[i]))
			return true;
	return false;
}

/* Where task a comes in the order, before b's. */
static bool before(const struct dag *d, const char *a, const char *b)
{
	size_t pa = 99, pb = 99;

	for (size_t i = 0; i < d->ntasks; i++) {
		if (!strcmp(d->tasks[d->order[i]].name, a))
			pa = i;
		if (!strcmp(d->tasks[d->order[i]].name, b))
			pb = i;
	}
	return pa < pb && pb != 99;
}

static int parse(struct dag *d, const char *yaml)
{
	return dag_parse(d, "p.yaml", yaml, strlen(yaml), known);
}

TEST(dag_default_and_order)
{
	struct dag d;
	char arg[64];

	CHECK_INT(dag_default(&d, known), 0);
	CHECK_STR(d.name, "shop");
	CHECK_INT(d.ntasks, 8);
	CHECK(before(&d, "etl", "check") && before(&d, "check", "features") && before(&d, "features", "train") &&
	      before(&d, "train", "evaluate") && before(&d, "evaluate", "promote") && before(&d, "promote", "materialize") &&
	      before(&d, "etl", "recommendations"));
	CHECK_STR(d.tasks[d.order[0]].name, "etl");
	int t = dag_find(&d, "evaluate");
	CHECK(t >= 0 && d.tasks[t].soft);
	CHECK_INT(dag_arg(&d.tasks[t], 4, "2015-05-26", "2015-06-01", arg, sizeof(arg)), 0);
	CHECK_STR(arg, "features/training_set:2015-05-26..2015-06-01");
	CHECK_INT(dag_arg(&d.tasks[t], 4, "x", "x", arg, sizeof(arg)), 0); /* the same text for both */
	CHECK_STR(arg, "features/training_set:x..x");
	CHECK_INT(d.tasks[dag_find(&d, "etl")].retries, 2);
	CHECK(d.tasks[dag_find(&d, "etl")].retry_delay_ms == 30000);
	CHECK(d.schedule_text && !strcmp(d.timezone, "UTC") && !d.catchup && !d.start_ms);
	dag_release(&d);

	/* declared out of order: run in order, ties as declared */
	CHECK_INT(parse(&d, "dag: x\ntasks:\n"
			    "  - {name: c, command: [train], depends_on: [b]}\n"
			    "  - {name: a, command: [etl]}\n"
			    "  - {name: b, command: [check], depends_on: [a]}\n"
			    "  - {name: d, command: [etl]}\n"), 0);
	CHECK_STR(d.tasks[d.order[0]].name, "a");
	CHECK_STR(d.tasks[d.order[1]].name, "b");
	CHECK_STR(d.tasks[d.order[2]].name, "c");
	CHECK_STR(d.tasks[d.order[3]].name, "d");
	dag_release(&d);
}

TEST(dag_errors_name_file_task_and_field)
{
	static const struct { const char *yaml, *want; } cases[] = {
		{ "dag: x\ntasks:\n  - {name: a, command: [etl], depends_on: [b]}\n  - {name: b, command: [etl], depends_on: [a]}\n",
		  "p.yaml: the tasks' dependencies make a cycle (through a)" },
		{ "dag: x\ntasks:\n  - {name: a, command: [etl], depends_on: [zz]}\n", "p.yaml: task a: depends_on: no task 'zz'" },
		{ "dag: x\ntasks:\n  - {name: a, command: [etl], depends_on: [a]}\n", "task a: depends on itself" },
		{ "dag: x\ntasks:\n  - {name: a, command: [etl]}\n  - {name: a, command: [etl]}\n",
		  "task a: a task of that name is declared before" },
		{ "dag: x\ntasks:\n  - {name: a, command: [bake]}\n", "task a: command: 'bake' is not a ppredict command" },
		{ "dag: x\ntasks:\n  - {name: a, command: [etl], retries: 99}\n", "task a: retries: expected an integer from 0 to 10" },
		{ "dag: x\ntasks:\n  - {name: a, command: [etl], timeout: soon}\n", "task a: timeout: expected a duration" },
		{ "dag: x\ntasks:\n  - {name: a, command: [etl], colour: red}\n", "task a: unknown field 'colour'" },
		{ "dag: x\ntasks:\n  - {name: a, command: etl}\n", "task a: command: expected a list" },
		{ "dag: x\ntasks: []\n", "p.yaml: tasks: expected a list of 1 to 64 tasks" },
		{ "dag: x\nschedule: \"61 * * * *\"\ntasks:\n  - {name: a, command: [etl]}\n", "p.yaml: schedule: cron minute" },
		{ "dag: x\ncatchup: maybe\ntasks:\n  - {name: a, command: [etl]}\n", "p.yaml: catchup: expected true or false" },
		{ "dag: x\nstart_date: soon\ntasks:\n  - {name: a, command: [etl]}\n", "p.yaml: start_date: expected a date" },
		{ "tasks:\n  - {name: a, command: [etl]}\n", "p.yaml: dag: expected a name" },
		{ "dag: x\nowner: me\ntasks:\n  - {name: a, command: [etl]}\n", "p.yaml: unknown field 'owner'" },
	};
	struct dag d;

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		CHECK_INT(parse(&d, cases[i].yaml), PP_EINVAL);
		CHECK_CONTAINS(pp_errmsg(), cases[i].want);
	}
}

TEST(dag_start_date)
{
	struct dag d;

	CHECK_INT(parse(&d, "dag: x\nstart_date: 2026-04-01\ntasks:\n  - {name: a, command: [etl]}\n"), 0);
	CHECK(d.start_ms == days_from_civil(2026, 4, 1) * MS_PER_DAY);
	dag_release(&d);
	CHECK_INT(parse(&d, "dag: x\nstart_date: \"2026-04-01T10:00:00+02:00\"\ntasks:\n  - {name: a, command: [etl]}\n"), 0);
	CHECK(d.start_ms == days_from_civil(2026, 4, 1) * MS_PER_DAY + 8 * MS_PER_HOUR);
	dag_release(&d);
}
