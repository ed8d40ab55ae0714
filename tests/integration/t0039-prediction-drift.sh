#!/bin/bash
# The prediction log feeds the drift checks: predictions made on the training window's own
# rows do not drift from the model's training data; the same rows with their session counts
# inflated do, on those columns.
. "$PPREDICT_ROOT/tests/integration/lib.sh"
set -e

trained_shop 3000 8 5
expect_exit 0 "$PP" models promote "$MODEL"
J='Content-Type: application/json'

# 400 training rows predicted with their features given, as of their own times
duck "SELECT * EXCLUDE (session_id, visitor_id, item_id, label, event_date), epoch_ms(ts) AS at_ms FROM read_parquet('$PWD/lake/features/training_set/*/*.parquet', hive_partitioning = true) WHERE event_date <= DATE '2015-05-06' ORDER BY hash(ts) LIMIT 400" > rows.ndjson
[ "$(wc -l < rows.ndjson)" = 400 ] || fail "training rows: $(wc -l < rows.ndjson)"
jq -s -c 'map({at: (.at_ms | tonumber), features: (del(.ts, .at_ms) | map_values(if type == "string" then tonumber else . end))})' rows.ndjson > same.json
jq -c 'map(.features.s_events = (.features.s_events // 0) * 6 + 20 | .features.s_views = (.features.s_views // 0) * 6 + 20)' same.json > inflated.json

start_server --set predict.log_permille=1000
http POST /v1/predict/batch -H "$J" --data-binary @same.json
expect_status 200
equals "$(jq .errors <<<"$body")" "0" "rows refused"
stop_server
expect_exit 0 "$PP" etl --no-warehouse
contains "$out" "processed/predictions version 0: 400 logged predictions with 46 features"
expect_exit 0 "$PP" drift --reference model --current processed/predictions:2015-05-03..2015-05-06 --json
equals "$(jq .dataset_drift <<<"$out")" "false" "the training rows' own predictions drift"
jq -e '.current.rows == 400 and ([.columns[].column] | index("prediction")) != null' <<<"$out" >/dev/null ||
	fail "drift report: $(head -c 400 <<<"$out")"

start_server --set predict.log_permille=1000
http POST /v1/predict/batch -H "$J" --data-binary @inflated.json
expect_status 200
stop_server
expect_exit 0 "$PP" etl --no-warehouse
contains "$out" "800 logged predictions"
expect_exit 0 "$PP" drift --reference model --current processed/predictions:2015-05-03..2015-05-06 --json
jq -e '[.columns[] | select(.drift_detected) | .column] | (index("s_events") != null and index("s_views") != null)' \
	<<<"$out" >/dev/null || fail "inflated counts not found drifting: $(jq -c '[.columns[] | [.column, .drift_detected]]' <<<"$out")"
# DuckDB reads the table's latest version (the files its log keeps)
equals "$(duck "SELECT count(*) AS n, count(DISTINCT model_version) AS m FROM read_parquet([$(delta_files "$PWD/lake/processed/predictions")])" | jq -c '[.n, .m] | map(tonumber)')" \
	"[800,1]" "DuckDB's count"
done_ok
