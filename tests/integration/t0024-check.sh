#!/bin/bash
# ppredict check: the shipped suites pass on a fresh lake (but freshness, a warning);
# a suite of one's own, in YAML or in Great Expectations' JSON, gets counts that DuckDB
# computes independently; a failing error expectation is the gate (exit 1); results are
# stored in _meta/quality; bad suites and arguments are named errors.
. "$PPREDICT_ROOT/tests/integration/lib.sh"
set -e

"$PP" init . >/dev/null
expect_exit 0 "$PP" simulate --visitors 3000 --days 4 --json
expect_exit 0 "$PP" etl --no-warehouse

# the shipped suites: every table the ETL wrote
expect_exit 0 "$PP" check --json
equals "$(jq -c '[.success, .statistics.tables]' <<<"$out")" "[true,9]" "shipped suites"
equals "$(jq '[.suites[].results[] | select(.success | not) | .expectation_config.expectation_type] | join(",")' -r <<<"$out")" \
	"expect_column_max_to_be_recent" "the only failure: the simulated data is old"
equals "$(jq -r '.suites[0].results[0] | has("expectation_config") and has("result") and has("exception_info")' <<<"$out")" \
	"true" "GE result shape"
[ -s lake/_meta/quality/checks/latest.json ] || fail "no latest.json"
equals "$(ls lake/_meta/quality/checks | grep -vc latest)" "1" "one stored run"
equals "$(jq -c .statistics lake/_meta/quality/checks/latest.json)" "$(jq -c .statistics <<<"$out")" "stored = printed"
# freshness measured against a given time passes
expect_exit 0 "$PP" check processed/events --now 2015-05-08 --json
equals "$(jq -r .suites[0].success <<<"$out")" "true" "fresh as of the data's end"

# the text summary
expect_exit 0 "$PP" check
contains "$out" "curated/fact_sessions"
contains "$out" "warn  processed/events expect_column_max_to_be_recent(ts): observed"
contains "$out" "0 failed with severity error, 1 warn"

# a suite of our own, against DuckDB's counts on the same files
fs="read_parquet([$(delta_files "$PWD/lake/curated/fact_sessions")])"
cat > mine.yaml <<'YAML'
expectation_suite_name: mine
table: curated/fact_sessions
expectations:
  - expectation_type: expect_column_values_to_be_between
    kwargs: {column: events, max_value: 3}
  - expectation_type: expect_column_values_to_be_unique
    kwargs: {column: visitor_id}
    meta: {severity: warn}
  - expectation_type: expect_column_mean_to_be_between
    kwargs: {column: events, min_value: 0}
  - expectation_type: expect_column_proportion_of_unique_values_to_be_between
    kwargs: {column: visitor_id, min_value: 0}
  - expectation_type: expect_column_values_to_match_regex
    kwargs: {column: session_id, regex: '-1430[0-9]+$'}
YAML
expect_exit 1 "$PP" check mine.yaml --json
contains "$err" "quality gate: 1 expectation of severity error failed"
res=$(jq -c '.suites[0].results' lake/_meta/quality/checks/latest.json)
theirs=$(duck "SELECT count(*) FILTER (WHERE events > 3) over3, count(*) n,
	(SELECT sum(c) FROM (SELECT count(*) c FROM $fs GROUP BY visitor_id HAVING count(*) > 1)) dup,
	avg(events) mean, count(DISTINCT visitor_id) / count(*) uniq,
	count(*) FILTER (WHERE NOT regexp_matches(session_id, '-1430[0-9]+\$')) nomatch FROM $fs")
equals "$(jq '.[0].result.unexpected_count' <<<"$res")" "$(jq -r .over3 <<<"$theirs")" "events > 3"
equals "$(jq '.[0].result.element_count' <<<"$res")" "$(jq -r .n <<<"$theirs")" "element count"
equals "$(jq '.[1].result.unexpected_count' <<<"$res")" "$(jq -r .dup <<<"$theirs")" "duplicated visitor rows"
jq -e --argjson t "$theirs" '(.[2].result.observed_value - ($t.mean | tonumber) | fabs) < 1e-9 and
	(.[3].result.observed_value - ($t.uniq | tonumber) | fabs) < 1e-12' <<<"$res" >/dev/null ||
	fail "mean and unique share: $res vs $theirs"
equals "$(jq '.[4].result.unexpected_count' <<<"$res")" "$(jq -r .nomatch <<<"$theirs")" "regex misses"
equals "$(jq -c '[.[].success]' <<<"$res")" "[false,false,true,true,$( [ "$(jq -r .nomatch <<<"$theirs")" = 0 ] && echo true || echo false)]" "verdicts"
expect_exit 1 "$PP" check mine.yaml
contains "$out" "error curated/fact_sessions expect_column_values_to_be_between(events): "
contains "$out" "unexpected ("
contains "$out" "warn  curated/fact_sessions expect_column_values_to_be_unique(visitor_id)"

# a Great Expectations JSON suite, as GE writes it
cat > ge.json <<'JSON'
{"data_asset_type": null, "expectation_suite_name": "ge", "table": "curated/dim_visitor",
 "meta": {"great_expectations_version": "0.15.50"},
 "expectations": [{"expectation_type": "expect_column_values_to_be_unique",
   "kwargs": {"column": "visitor_id", "result_format": "SUMMARY"}, "meta": {}},
  {"expectation_type": "expect_table_columns_to_match_ordered_list",
   "kwargs": {"column_list": ["visitor_id", "first_seen", "last_seen", "active_days", "sessions",
     "events", "views", "carts", "removes", "purchases", "revenue", "first_purchase", "last_purchase"]}}]}
JSON
expect_exit 0 "$PP" check ge.json --json
equals "$(jq -c '[.suites[0].results[].success]' <<<"$out")" "[true,true]" "GE suite"

# --print-suite gives a suite file that loads back
expect_exit 0 "$PP" check --print-suite fact_events
echo "$out" > shipped.yaml
expect_exit 0 "$PP" check shipped.yaml --json
equals "$(jq -r .success <<<"$out")" "true" "printed suite"

# errors
printf 'expectation_suite_name: x\ntable: curated/fact_sessions\nexpectations:\n  - {expectation_type: expect_column_values_to_be_between, kwargs: {column: events, min_value: lots}}\n' > bad.yaml
expect_exit 1 "$PP" check bad.yaml
contains "$err" "bad.yaml: expectations[0]"
contains "$err" "'lots' is not a number"
printf 'expectation_suite_name: x\ntable: curated/nothing\nexpectations: []\n' > none.yaml
expect_exit 1 "$PP" check none.yaml
contains "$err" "table curated/nothing"
expect_exit 2 "$PP" check no_such_table
contains "$err" "'no_such_table' is neither a suite file"
expect_exit 1 "$PP" check missing.yaml
contains "$err" "missing.yaml"
expect_exit 2 "$PP" check --print-suite nothing
done_ok
