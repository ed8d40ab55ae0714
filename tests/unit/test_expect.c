/* Expectation suites: parsing with named errors, and each expectation passing and failing
 * on a small table with known values. */
#include "core/err.h"
#include "core/timeutil.h"
#include "core/yaml_json.h"
#include "etl/curated.h"
#include "quality/report_store.h"
#include "quality/suite.h"
#include "quality/validate.h"
#include "unit/test.h"

#define T0 1433116800000LL /* 2015-06-01T00:00:00Z */

/* curated/t: ten rows with a duplicate id, a null price, an outlier and a bad kind. */
static struct lake_fs *make_table(void)
{
	static const struct pq_column_def cols[] = {
		{ "id", PQ_STRING, false, false },   { "n", PQ_INT64, false, false },
		{ "price", PQ_DOUBLE, true, false }, { "ts", PQ_TIMESTAMP_MS, false, false },
		{ "kind", PQ_STRING, true, true },
	};
	static const char *const ids[] = { "a1", "a2", "a3", "a4", "a5", "a6", "a7", "a8", "a9", "a9" };
	static const char *const kinds[] = { "view", "cart", "view", "buy", "view",
					     "view", "view", "bogus", "view", NULL };
	const double prices[] = { 1.5, 2.5, NAN, 4, 5, 6, 7, 8, 9, 100 };
	struct pq_writer_opts o;
	struct pq_writer *w;
	struct lake_fs *fs;
	struct buf file = BUF_INIT;

	CHECK_INT(lake_fs_open(&fs, test_tmpdir()), 0);
	pq_writer_opts_default(&o);
	CHECK_INT(pq_writer_open(&w, cols, ARRAY_SIZE(cols), &o), 0);
	for (int i = 0; i < 10; i++) {
		pq_put_str(w, ids[i], strlen(ids[i]));
		pq_put_i64(w, i + 1);
		isnan(prices[i]) ? pq_put_null(w) : pq_put_double(w, prices[i]);
		pq_put_i64(w, T0 + i * 3600000LL);
		pq_put_opt_str(w, kinds[i]);
		CHECK_INT(pq_end_row(w), 0);
	}
	CHECK_INT(pq_writer_finish(w, &file), 0);
	CHECK_INT(curated_replace(fs, "curated/t", cols, ARRAY_SIZE(cols), &file, 10), 0);
	buf_release(&file);
	return fs;
}

static const char suite_text[] =
	"expectation_suite_name: t\n"
	"table: curated/t\n"
	"expectations:\n"
	/* 0 */ "  - {expectation_type: expect_column_to_exist, kwargs: {column: id}}\n"
	/* 1 */ "  - {expectation_type: expect_column_to_exist, kwargs: {column: nope}}\n"
	/* 2 */ "  - {expectation_type: expect_column_values_to_not_be_null, kwargs: {column: price}}\n"
	/* 3 */ "  - {expectation_type: expect_column_values_to_not_be_null, kwargs: {column: price, mostly: 0.9}}\n"
	/* 4 */ "  - {expectation_type: expect_column_values_to_be_between, kwargs: {column: price, min_value: 0, max_value: 10}}\n"
	/* 5 */ "  - {expectation_type: expect_column_values_to_be_between, kwargs: {column: price, min_value: 0, max_value: 10, mostly: 0.85}}\n"
	/* 6 */ "  - {expectation_type: expect_column_values_to_be_between, kwargs: {column: n, min_value: 1, strict_min: true, mostly: 0.9}}\n"
	/* 7 */ "  - {expectation_type: expect_column_values_to_be_between, kwargs: {column: ts, min_value: '2015-06-01', max_value: '2015-06-01T09:00:00Z'}}\n"
	/* 8 */ "  - {expectation_type: expect_column_values_to_be_in_set, kwargs: {column: kind, value_set: [view, cart, buy]}}\n"
	/* 9 */ "  - {expectation_type: expect_column_values_to_be_in_set, kwargs: {column: n, value_set: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]}}\n"
	/* 10 */ "  - {expectation_type: expect_column_values_to_be_unique, kwargs: {column: id}}\n"
	/* 11 */ "  - {expectation_type: expect_column_values_to_be_unique, kwargs: {column: n}}\n"
	/* 12 */ "  - {expectation_type: expect_column_values_to_match_regex, kwargs: {column: id, regex: '^a[0-9]$'}}\n"
	/* 13 */ "  - {expectation_type: expect_column_values_to_match_regex, kwargs: {column: kind, regex: '^(view|cart)$'}}\n"
	/* 14 */ "  - {expectation_type: expect_column_values_to_be_of_type, kwargs: {column: n, type_: long}}\n"
	/* 15 */ "  - {expectation_type: expect_column_values_to_be_of_type, kwargs: {column: n, type_: string}}\n"
	/* 16 */ "  - {expectation_type: expect_table_row_count_to_be_between, kwargs: {min_value: 10, max_value: 10}}\n"
	/* 17 */ "  - {expectation_type: expect_table_row_count_to_be_between, kwargs: {min_value: 11}}\n"
	/* 18 */ "  - {expectation_type: expect_table_columns_to_match_ordered_list, kwargs: {column_list: [id, n, price, ts, kind]}}\n"
	/* 19 */ "  - {expectation_type: expect_table_columns_to_match_ordered_list, kwargs: {column_list: [n, id, price, ts, kind]}}\n"
	/* 20 */ "  - {expectation_type: expect_column_mean_to_be_between, kwargs: {column: n, min_value: 5.5, max_value: 5.5}}\n"
	/* 21 */ "  - {expectation_type: expect_column_mean_to_be_between, kwargs: {column: price, max_value: 10}}\n"
	/* 22 */ "  - {expectation_type: expect_column_proportion_of_unique_values_to_be_between, kwargs: {column: id, min_value: 0.9}}\n"
	/* 23 */ "  - {expectation_type: expect_column_proportion_of_unique_values_to_be_between, kwargs: {column: id, min_value: 0.95}}\n"
	/* 24 */ "  - {expectation_type: expect_column_max_to_be_recent, kwargs: {column: ts, max_age: 10h}}\n"
	/* 25 */ "  - {expectation_type: expect_column_max_to_be_recent, kwargs: {column: ts, max_age: 8h}, meta: {severity: warn}}\n"
	/* 26 */ "  - {expectation_type: expect_column_values_to_not_be_null, kwargs: {column: nope}}\n";

static const json_t *result_of(const json_t *r, size_t i)
{
	return json_array_get(json_object_get(r, "results"), i);
}

static bool passed(const json_t *r, size_t i)
{
	return json_is_true(json_object_get(result_of(r, i), "success"));
}

static json_int_t unexpected(const json_t *r, size_t i)
{
	return json_integer_value(json_object_get(json_object_get(result_of(r, i), "result"),
						  "unexpected_count"));
}

TEST(expectations_pass_and_fail_on_known_values)
{
	static const bool want[] = { 1, 0, 0, 1, 0, 1, 1, 1, 0, 1, 0, 1, 1, 0, 1, 0, 1, 0, 1, 0,
				     1, 0, 1, 0, 1, 0, 0 };
	struct lake_fs *fs = make_table();
	struct suite s;
	struct suite_outcome out;
	json_t *r;

	CHECK_INT(suite_parse(&s, "t.yaml", suite_text, strlen(suite_text)), 0);
	CHECK_INT(s.n, ARRAY_SIZE(want));
	/* 9 hours after the newest ts */
	CHECK_INT(suite_validate(&s, fs, -1, T0 + 18 * 3600000LL, &r, &out), 0);
	for (size_t i = 0; i < ARRAY_SIZE(want); i++)
		if (passed(r, i) != want[i])
			test_fail(__FILE__, __LINE__, "expectation %zu: success %d, expected %d: %s", i,
				  passed(r, i), want[i], json_dumps(result_of(r, i), JSON_COMPACT));
	CHECK_INT(out.evaluated, ARRAY_SIZE(want));
	CHECK_INT(out.rows, 10);
	CHECK_INT(out.failed_warnings, 1); /* 25 */
	CHECK_INT(out.failed_errors, 12);
	CHECK(!json_is_true(json_object_get(r, "success")));
	/* counts and samples as Great Expectations reports them */
	CHECK_INT(unexpected(r, 2), 1);
	CHECK_INT(unexpected(r, 4), 1); /* 100; the null is not in the domain */
	const json_t *res4 = json_object_get(result_of(r, 4), "result");
	CHECK_NEAR(json_real_value(json_object_get(res4, "unexpected_percent")), 100.0 / 9, 1e-9);
	CHECK_STR(json_string_value(json_array_get(json_object_get(res4, "partial_unexpected_list"), 0)),
		  "100");
	CHECK_INT(unexpected(r, 6), 1); /* n = 1 is not > 1 */
	CHECK_INT(unexpected(r, 8), 1); /* bogus; the null kind is skipped */
	CHECK_INT(unexpected(r, 10), 2); /* both a9 rows */
	CHECK_INT(unexpected(r, 13), 2); /* buy, bogus */
	CHECK_STR(json_string_value(json_object_get(json_object_get(result_of(r, 14), "result"),
						    "observed_value")), "long");
	CHECK_NEAR(json_real_value(json_object_get(json_object_get(result_of(r, 22), "result"),
						   "observed_value")), 0.9, 1e-12);
	CHECK_CONTAINS(json_string_value(json_object_get(json_object_get(result_of(r, 26), "exception_info"),
							 "exception_message")), "has no column nope");
	CHECK_INT(json_integer_value(json_object_get(json_object_get(r, "statistics"),
						     "evaluated_expectations")), ARRAY_SIZE(want));
	json_decref(r);
	suite_release(&s);
	lake_fs_close(fs);
}

static void bad_suite(const char *text, const char *message)
{
	struct suite s;

	if (suite_parse(&s, "bad.yaml", text, strlen(text)) == 0)
		test_fail(__FILE__, __LINE__, "accepted: %s", text);
	if (!strstr(pp_errmsg(), message))
		test_fail(__FILE__, __LINE__, "error '%s' lacks '%s'", pp_errmsg(), message);
	suite_release(&s);
}

#define HEAD "expectation_suite_name: x\ntable: curated/t\nexpectations:\n"

TEST(expectation_suites_reject_bad_definitions)
{
	bad_suite("", "bad.yaml: the file is empty");
	bad_suite("a: [1, 2", "bad.yaml:2:1: YAML syntax error");
	bad_suite("- 1\n", "expected a mapping");
	bad_suite("table: t\nexpectations: []\n", "expectation_suite_name");
	bad_suite("expectation_suite_name: x\nexpectations: []\n", "table:");
	bad_suite(HEAD "  - {kwargs: {}}\n", "expectations[0]: expectation_type is missing");
	bad_suite(HEAD "  - {expectation_type: expect_magic}\n", "unknown expectation_type 'expect_magic'");
	bad_suite(HEAD "  - {expectation_type: expect_column_to_exist}\n", "kwargs.column");
	bad_suite(HEAD "  - {expectation_type: expect_column_to_exist, kwargs: {column: a, mostly: 0.5}}\n",
		  "kwargs.mostly: not an argument");
	bad_suite(HEAD "  - {expectation_type: expect_column_values_to_not_be_null, kwargs: {column: a, mostly: 2}}\n",
		  "from 0 to 1");
	bad_suite(HEAD "  - {expectation_type: expect_column_values_to_be_between, kwargs: {column: a}}\n",
		  "min_value, max_value or both");
	bad_suite(HEAD "  - {expectation_type: expect_column_values_to_be_in_set, kwargs: {column: a, value_set: x}}\n",
		  "value_set: expected a list");
	bad_suite(HEAD "  - {expectation_type: expect_column_values_to_match_regex, kwargs: {column: a, regex: '(a'}}\n",
		  "not a POSIX extended regular expression");
	bad_suite(HEAD "  - {expectation_type: expect_column_max_to_be_recent, kwargs: {column: a, max_age: soon}}\n",
		  "max_age: expected a duration");
	bad_suite(HEAD "  - {expectation_type: expect_column_to_exist, kwargs: {column: a}, meta: {severity: fatal}}\n",
		  "meta.severity: expected error or warn, got 'fatal'");
	bad_suite(HEAD "  - {expectation_type: expect_column_to_exist, kwargs: {column: a}, extra: 1}\n",
		  "unknown field 'extra'");
	bad_suite(HEAD "  - {expectation_type: expect_column_to_exist, kwargs: {column: a, column: b}}\n",
		  "key 'column' appears twice");
}

TEST(expectation_suites_in_ge_json_load)
{
	/* a Great Expectations suite file as it is: JSON, with its own extra fields */
	static const char ge[] =
		"{\"data_asset_type\": null, \"expectation_suite_name\": \"t\", \"table\": \"curated/t\","
		" \"meta\": {\"great_expectations_version\": \"0.15.50\"},"
		" \"expectations\": [{\"expectation_type\": \"expect_column_values_to_be_between\","
		" \"kwargs\": {\"column\": \"n\", \"min_value\": 1, \"max_value\": 10, \"mostly\": 0.95,"
		" \"result_format\": \"SUMMARY\"}, \"meta\": {}}]}";
	struct lake_fs *fs = make_table();
	struct suite s;
	struct suite_outcome out;
	json_t *r;

	CHECK_INT(suite_parse(&s, "ge.json", ge, strlen(ge)), 0);
	CHECK_INT(suite_validate(&s, fs, -1, T0, &r, &out), 0);
	CHECK(json_is_true(json_object_get(r, "success")));
	CHECK_INT(out.succeeded, 1);
	json_decref(r);
	/* a bound that does not fit its column is the suite's error */
	suite_release(&s);
	static const char bad[] = HEAD "  - {expectation_type: expect_column_values_to_be_between, "
				       "kwargs: {column: ts, min_value: yesterday}}\n";
	CHECK_INT(suite_parse(&s, "b.yaml", bad, strlen(bad)), 0);
	CHECK_INT(suite_validate(&s, fs, -1, T0, &r, &out), PP_EINVAL);
	CHECK_CONTAINS(pp_errmsg(), "b.yaml: expectations[0]");
	CHECK_CONTAINS(pp_errmsg(), "'yesterday' is not a date or time");
	suite_release(&s);
	/* a missing table */
	static const char none[] = "expectation_suite_name: x\ntable: curated/none\nexpectations: []\n";
	CHECK_INT(suite_parse(&s, "n.yaml", none, strlen(none)), 0);
	CHECK_INT(suite_validate(&s, fs, -1, T0, &r, &out), PP_ENOENT);
	CHECK_CONTAINS(pp_errmsg(), "table curated/none");
	suite_release(&s);
	lake_fs_close(fs);
}

TEST(yaml_json_types_plain_scalars)
{
	json_t *j;
	const char *y = "a: 1\nb: 1.5\nc: true\nd: ~\ne: '1'\nf: [x, \"y\"]\n";

	CHECK_INT(yaml_to_json("y", y, strlen(y), &j), 0);
	CHECK(json_is_integer(json_object_get(j, "a")));
	CHECK(json_is_real(json_object_get(j, "b")));
	CHECK(json_is_true(json_object_get(j, "c")));
	CHECK(json_is_null(json_object_get(j, "d")));
	CHECK_STR(json_string_value(json_object_get(j, "e")), "1");
	CHECK_INT(json_array_size(json_object_get(j, "f")), 2);
	json_decref(j);
	y = "a: &x 1\nb: *x\n";
	CHECK_INT(yaml_to_json("y", y, strlen(y), &j), PP_EPARSE);
	CHECK_CONTAINS(pp_errmsg(), "y:2: aliases");
}

TEST(quality_gate_reads_the_latest_check)
{
	static const char failing[] = HEAD
		"  - {expectation_type: expect_column_values_to_be_between, kwargs: {column: n, max_value: 5}}\n"
		"  - {expectation_type: expect_column_values_to_be_between, kwargs: {column: n, max_value: 6}, meta: {severity: warn}}\n";
	static const char passing[] = HEAD
		"  - {expectation_type: expect_column_values_to_be_between, kwargs: {column: n, max_value: 5}, meta: {severity: warn}}\n";
	struct lake_fs *fs = make_table();
	struct suite s;
	struct suite_outcome out;
	json_t *res;
	char where[200];

	CHECK_INT(quality_gate(fs), PP_ENOENT);
	CHECK_CONTAINS(pp_errmsg(), "no quality check has run");
	/* a run as `ppredict check` stores it: the suites' results together */
	CHECK_INT(suite_parse(&s, "f.yaml", failing, strlen(failing)), 0);
	CHECK_INT(suite_validate(&s, fs, -1, T0, &res, &out), 0);
	json_t *run = json_pack("{s:[o]}", "suites", res);
	CHECK_INT(report_store(fs, "checks", run, T0, where, sizeof(where)), 0);
	json_decref(run);
	suite_release(&s);
	CHECK_INT(quality_gate(fs), PP_EINVAL);
	CHECK_CONTAINS(pp_errmsg(), "quality gate: 1 expectation of severity error failed in the latest "
				    "check: curated/t expect_column_values_to_be_between(n)");
	/* the next run passes (its failure is a warning): the gate opens */
	CHECK_INT(suite_parse(&s, "p.yaml", passing, strlen(passing)), 0);
	CHECK_INT(suite_validate(&s, fs, -1, T0, &res, &out), 0);
	run = json_pack("{s:[o]}", "suites", res);
	CHECK_INT(report_store(fs, "checks", run, T0 + 1, where, sizeof(where)), 0);
	json_decref(run);
	suite_release(&s);
	CHECK_INT(quality_gate(fs), 0);
	lake_fs_close(fs);
}
