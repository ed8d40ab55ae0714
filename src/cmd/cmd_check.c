/* ppredict check: the lake's tables against their expectation suites (quality/). */
#include "cmd/cmds.h"
#include "core/err.h"
#include "core/fsutil.h"
#include "core/mem.h"
#include "core/timeutil.h"
#include "quality/default_suites.h"
#include "quality/report_store.h"
#include "quality/validate.h"

struct check_opts {
	bool json;
	const char *print_suite;
	int64_t now;
};

static const struct cli_opt check_options[] = {
	{ "json", 0, OPT_FLAG, offsetof(struct check_opts, json), NULL, NULL,
	  "print the validation results (Great Expectations' shape) as JSON" },
	{ "print-suite", 0, OPT_STR, offsetof(struct check_opts, print_suite), NULL, "TABLE",
	  "print the suite that ships for TABLE (a start for your own) and stop" },
	{ "now", 0, OPT_TIME, offsetof(struct check_opts, now), NULL, "TIME",
	  "the time freshness is measured against (default: now)" },
};

static const struct default_suite *shipped(const char *table)
{
	for (size_t i = 0; i < default_suites_n; i++) {
		const char *t = default_suites[i].table, *slash = strchr(t, '/');
		if (!strcmp(t, table) || (slash && !strcmp(slash + 1, table)))
			return &default_suites[i];
	}
	return NULL;
}

static bool is_suite_file(const char *arg)
{
	size_t n = strlen(arg);

	return (n > 5 && !strcmp(arg + n - 5, ".yaml")) || (n > 4 && !strcmp(arg + n - 4, ".yml")) ||
	       (n > 5 && !strcmp(arg + n - 5, ".json"));
}

/* The suite an argument names: a suite file, or a table with a shipped suite. */
static int suite_of(const char *arg, struct suite *s)
{
	const struct default_suite *d;
	struct buf text = BUF_INIT;
	char name[160];
	int rc;

	if (is_suite_file(arg)) {
		if (!(rc = fs_read_file(arg, &text)))
			rc = suite_parse(s, arg, text.data ? text.data : "", text.len);
		else
			memset(s, 0, sizeof(*s));
		buf_release(&text);
		return rc;
	}
	memset(s, 0, sizeof(*s));
	if (!(d = shipped(arg)))
		return pp_error(PP_EUSAGE, "'%s' is neither a suite file (.yaml, .yml, .json) nor a table "
				"with a shipped suite (processed/events, curated/fact_sessions, ...)", arg);
	snprintf(name, sizeof(name), "(shipped suite of %s)", d->table);
	return suite_parse(s, name, d->text, strlen(d->text));
}

/* "expect_...(column)" for a summary line. */
static void describe(const struct expectation *e, char *out, size_t n)
{
	snprintf(out, n, "%s%s%s%s", expect_kind_name(e->kind), e->column ? "(" : "",
		 e->column ? e->column : "", e->column ? ")" : "");
}

static void print_failures(const struct suite *s, const json_t *res)
{
	const json_t *list = json_object_get(res, "results");

	for (size_t i = 0; i < json_array_size(list); i++) {
		const json_t *one = json_array_get(list, i), *r = json_object_get(one, "result"), *v;
		const char *why = json_string_value(json_object_get(json_object_get(one, "exception_info"),
								    "exception_message"));
		char what[200];
		if (json_is_true(json_object_get(one, "success")))
			continue;
		describe(&s->e[i], what, sizeof(what));
		printf("  %-5s %s %s: ", s->e[i].error ? "error" : "warn", s->table, what);
		if (why) {
			printf("%s\n", why);
		} else if ((v = json_object_get(r, "unexpected_count"))) {
			const json_t *sample = json_object_get(r, "partial_unexpected_list");
			printf("%" JSON_INTEGER_FORMAT " unexpected (%.4g%%)", json_integer_value(v),
			       json_real_value(json_object_get(r, "unexpected_percent")));
			for (size_t k = 0; k < json_array_size(sample) && k < 5; k++)
				printf("%s%s", k ? ", " : ", e.g. ", json_string_value(json_array_get(sample, k)));
			printf("\n");
		} else {
			char *obs = json_dumps(json_object_get(r, "observed_value"), JSON_ENCODE_ANY | JSON_COMPACT);
			printf("observed %s\n", obs ? obs : "?");
			free(obs); /* jansson's allocation */
		}
	}
}

static int run_check(struct cmd_ctx *ctx, void *vopts, int argc, char **argv)
{
	struct check_opts *o = vopts;
	const char **args = NULL;
	struct suite *kept = NULL; /* the suites run, for their failures' names and severities */
	size_t nargs = (size_t)argc, nkept = 0;
	struct lake_fs *fs = NULL;
	json_t *run = NULL, *runs;
	struct tab tab;
	size_t errors = 0, warnings = 0, expectations = 0, passed = 0, tables = 0;
	int64_t now = o->now ? o->now : time_now_ms();
	char where[200] = "";
	int rc;

	if (o->print_suite) {
		const struct default_suite *d = shipped(o->print_suite);
		if (!d)
			return pp_error(PP_EUSAGE, "--print-suite: no suite ships for '%s'", o->print_suite);
		fputs(d->text, stdout);
		return 0;
	}
	if (!(args = pp_calloc(default_suites_n + nargs + 1, sizeof(*args))) ||
	    !(kept = pp_calloc(default_suites_n + nargs + 1, sizeof(*kept)))) {
		pp_free(args);
		return PP_ENOMEM;
	}
	for (size_t i = 0; i < nargs; i++)
		args[i] = argv[i];
	if (!nargs) /* every shipped suite; tables not written yet are skipped */
		for (; nargs < default_suites_n; nargs++)
			args[nargs] = default_suites[nargs].table;
	if ((rc = lake_fs_open_config(&fs, &ctx->cfg)))
		goto out;
	run = json_pack("{s:b,s:[]}", "success", 1, "suites");
	runs = json_object_get(run, "suites");
	tab_init(&tab, TAB_TEXT, stdout);
	static const char *const heads[] = { "table", "version", "rows", "expectations", "passed",
					     "failed (error)", "failed (warn)" };
	for (size_t c = 0; c < ARRAY_SIZE(heads); c++)
		tab_add_column(&tab, heads[c], c ? TAB_NUMBER : TAB_STRING);
	for (size_t i = 0; i < nargs && !rc; i++) {
		struct suite s;
		struct suite_outcome out;
		json_t *res;
		char num[32];
		if ((rc = suite_of(args[i], &s))) {
			suite_release(&s);
			break;
		}
		rc = suite_validate(&s, fs, -1, now, &res, &out);
		if (rc == PP_ENOENT && !argc) { /* a shipped suite whose table is not written yet */
			pp_error_clear();
			rc = 0;
			suite_release(&s);
			continue;
		}
		if (!rc) {
			tables++;
			expectations += out.evaluated;
			passed += out.succeeded;
			errors += out.failed_errors;
			warnings += out.failed_warnings;
			json_array_append_new(runs, res);
			tab_cell(&tab, s.table, strlen(s.table));
			int64_t cells[] = { out.version, (int64_t)out.rows, (int64_t)out.evaluated,
					    (int64_t)out.succeeded, (int64_t)out.failed_errors,
					    (int64_t)out.failed_warnings };
			for (size_t c = 0; c < ARRAY_SIZE(cells); c++) {
				snprintf(num, sizeof(num), "%" PRId64, cells[c]);
				tab_cell(&tab, num, strlen(num));
			}
			tab_end_row(&tab);
			kept[nkept++] = s;
			continue;
		}
		suite_release(&s);
	}
	if (!rc) {
		json_object_set_new(run, "success", json_boolean(errors == 0));
		json_object_set_new(run, "statistics",
				    json_pack("{s:I,s:I,s:I,s:I,s:I}", "tables", (json_int_t)tables,
					      "evaluated_expectations", (json_int_t)expectations,
					      "successful_expectations", (json_int_t)passed,
					      "failed_errors", (json_int_t)errors, "failed_warnings",
					      (json_int_t)warnings));
		rc = report_store(fs, "checks", run, time_now_ms(), where, sizeof(where));
	}
	if (!rc && o->json) {
		json_dumpf(run, stdout, JSON_COMPACT);
		putchar('\n');
	} else if (!rc) {
		tab_finish(&tab);
		for (size_t i = 0; i < nkept; i++)
			print_failures(&kept[i], json_array_get(runs, i));
		printf("quality: %zu tables, %zu expectations, %zu passed; %zu failed with severity "
		       "error, %zu warn (results: %s)\n", tables, expectations, passed, errors, warnings,
		       where);
	}
	tab_release(&tab);
	if (!rc && errors)
		rc = pp_error(PP_EINVAL, "quality gate: %zu expectation%s of severity error failed", errors,
			      errors == 1 ? "" : "s");
out:
	for (size_t i = 0; i < nkept; i++)
		suite_release(&kept[i]);
	pp_free(kept);
	json_decref(run);
	lake_fs_close(fs);
	pp_free(args);
	return rc;
}

const struct command cmd_check = {
	.name = "check",
	.fn = run_check,
	.summary = "check the lake's tables against their expectation suites (the quality gate)",
	.usage = "[TABLE|SUITE.yaml ...]",
	CMD_OPTS(check_options, struct check_opts),
	.max_args = -1,
	.details = "Without arguments, every table the ETL writes is checked with the suite that\n"
		   "ships for it (tables not written yet are skipped); a TABLE uses its shipped\n"
		   "suite, a .yaml/.yml/.json file is a suite of your own (Great Expectations'\n"
		   "expectation names and kwargs; its JSON suites load as they are). Results go to\n"
		   "_meta/quality/checks/ (latest.json: the last) in Great Expectations'\n"
		   "validation-result shape. Exits 1 when an expectation of severity error fails.",
};
