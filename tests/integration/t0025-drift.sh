#!/bin/bash
# ppredict drift: the simulator's drift (--drift-at: prices, category mix, cart and buy
# rates) is found in the lake; two weeks before it are not told apart; small samples get
# the p-value tests; versions of an unpartitioned table compare; the gate; the errors.
. "$PPREDICT_ROOT/tests/integration/lib.sh"
set -e

"$PP" init . >/dev/null
expect_exit 0 "$PP" simulate --visitors 40000 --drift-at 2015-05-26 --json
expect_exit 0 "$PP" etl --no-warehouse

# after the drift against the two weeks before it
expect_exit 0 "$PP" drift --reference processed/events:2015-05-12..2015-05-25 --current 2015-05-26..2015-06-01 --json
rep=$out
equals "$(jq -r .dataset_drift <<<"$rep")" "true" "dataset drift after --drift-at"
equals "$(jq -r '[.columns[] | select(.drift_detected) | .column] | sort | join(",")' <<<"$rep")" \
	"category_id,price" "drifted columns"
equals "$(jq -r '[.columns[] | .stattest] | unique | join(",")' <<<"$rep")" "jensenshannon,wasserstein" \
	"distances for large references"
not_contains "$(jq -r '.columns[] | select(.column == "price") | .psi_band' <<<"$rep")" "none" "price PSI band"
equals "$(jq -r '.reference.from + " " + .current.to' <<<"$rep")" "2015-05-12 2015-06-01" "windows in the report"
equals "$(jq -r '[.skipped[] | select(.column == "visitor_id") | .reason] | .[0]' <<<"$rep")" \
	"identifier-like (too many distinct values to compare as categories)" "identifiers skipped"
# the rows counted are the windows' rows, as DuckDB counts them
files="read_parquet([$(delta_files "$PWD/lake/processed/events")], hive_partitioning = true)"
theirs=$(duck "SELECT count(*) FILTER (WHERE event_date BETWEEN '2015-05-12' AND '2015-05-25') r,
	count(*) FILTER (WHERE event_date >= '2015-05-26') c,
	count(price) FILTER (WHERE event_date >= '2015-05-26') cp FROM $files")
equals "$(jq -r .reference.rows <<<"$rep")" "$(jq -r .r <<<"$theirs")" "reference rows"
equals "$(jq -r .current.rows <<<"$rep")" "$(jq -r .c <<<"$theirs")" "current rows"
equals "$(jq -r '.columns[] | select(.column == "price") | .current_values' <<<"$rep")" "$(jq -r .cp <<<"$theirs")" "price values"
[ "$(ls lake/_meta/quality/drift | grep -c json)" -ge 2 ] || fail "drift report not stored"

# the same distribution: two weeks before the drift are not told apart
expect_exit 0 "$PP" drift --reference processed/events:2015-05-05..2015-05-11 --current 2015-05-12..2015-05-18 --json
equals "$(jq -r '[.dataset_drift, .number_of_drifted_columns] | join(",")' <<<"$out")" "false,0" "no drift before it"
expect_exit 0 "$PP" drift --reference curated/fact_sessions:2015-05-05..2015-05-11 --current 2015-05-12..2015-05-18 --json
equals "$(jq -r .dataset_drift <<<"$out")" "false" "sessions: no drift before it"

# samples of 400 rows a side: the p-value tests, and they still see the drift
expect_exit 0 "$PP" drift --reference processed/events:2015-05-12..2015-05-25 --current 2015-05-26..2015-06-01 --sample 400 --json
equals "$(jq -r '[.columns[] | .stattest] | unique | join(",")' <<<"$out")" "chisquare,ks" "p-value tests on samples"
equals "$(jq -r '.reference.rows_compared' <<<"$out")" "400" "sampled rows"
equals "$(jq -r '.columns[] | select(.column == "price") | .drift_detected' <<<"$out")" "true" "price drift in a sample"
jq -e '.columns[] | select(.column == "price") | .p_value < 0.05' <<<"$out" >/dev/null || fail "price p-value: $out"
# the same seed draws the same sample
expect_exit 0 "$PP" drift --reference processed/events:2015-05-12..2015-05-25 --current 2015-05-26..2015-06-01 --sample 400 --json
again=$out
expect_exit 0 "$PP" drift --reference processed/events:2015-05-12..2015-05-25 --current 2015-05-26..2015-06-01 --sample 400 --json
equals "$(jq -c .columns <<<"$out")" "$(jq -c .columns <<<"$again")" "a seeded sample repeats"

# chosen columns and test; the gate
expect_exit 1 "$PP" drift --reference processed/events:2015-05-12..2015-05-25 --current 2015-05-26..2015-06-01 --columns price --stattest psi --fail-on-drift
contains "$out" "price"
contains "$out" "DRIFT"
contains "$err" "drift gate: 1 of 1 columns drifted"

# versions of an unpartitioned table: more data makes a new dim_visitor
expect_exit 0 "$PP" simulate --visitors 2000 --seed 9 --start 2015-06-02 --days 2
expect_exit 0 "$PP" etl --no-warehouse
expect_exit 0 "$PP" drift --reference curated/dim_visitor@0 --current curated/dim_visitor@1 --json
equals "$(jq -r '[.reference.version, .current.version] | join(",")' <<<"$out")" "0,1" "versions compared"

# GET /v1/quality: the latest reports, from the lake
start_server
http GET /v1/quality; expect_status 200
equals "$(jq -r '[.checks, (.drift.reference.table)] | map(tostring) | join(",")' <<<"$body")" \
	"null,curated/dim_visitor" "no checks yet; the last drift"
equals "$(jq -c .drift <<<"$body")" "$(jq -c . lake/_meta/quality/drift/latest.json)" "drift served as stored"
expect_exit 0 "$PP" check curated/fact_sessions
http GET "/v1/quality?kind=checks"; expect_status 200
equals "$(jq -r '[(.checks.success), has("drift")] | map(tostring) | join(",")' <<<"$body")" "true,false" "checks only"
http GET "/v1/quality?kind=everything"; expect_status 400
contains "$body" "expected checks or drift"
stop_server

# errors
expect_exit 2 "$PP" drift --reference curated/dim_visitor:2015-05-01..2015-05-02 --current 2015-05-03..
contains "$err" "not partitioned by date"
expect_exit 2 "$PP" drift --reference processed/events:2015-5-1.. --current 2015-05-26..
contains "$err" "'2015-5-1' is not a date"
expect_exit 2 "$PP" drift --reference processed/events --current 2015-05-26.. --stattest magic
contains "$err" "--stattest: expected ks"
expect_exit 2 "$PP" drift --reference processed/events:2015-05-01.. --current 2015-05-26.. --columns nope
contains "$err" "has no column 'nope'"
expect_exit 1 "$PP" drift --reference processed/events:2016-01-01.. --current 2015-05-26..
contains "$err" "the reference window of processed/events has no rows"
expect_exit 1 "$PP" drift --reference curated/nothing:2015-05-01.. --current 2015-05-26..
contains "$err" "curated/nothing"
expect_exit 2 "$PP" drift --reference processed/events
contains "$err" "give --reference and --current"
done_ok
