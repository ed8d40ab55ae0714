#!/bin/bash
# The whole system, scripted: a fresh lake -> simulate -> the shipped pipeline -> the gates
# (a failed error expectation stops the run before training; a candidate no better than the
# champion is registered, not promoted) -> the server -> events posted -> the prediction
# reflects them -> new data and a run started over the API -> the new champion picked up by
# the running server; then `serve --scheduler` runs the scheduler beside it and stops it.
. "$PPREDICT_ROOT/tests/integration/lib.sh"
set -e

"$PP" init . >/dev/null
T="--set train.search_trials=0"
expect_exit 0 "$PP" simulate --visitors 20000 --days 14 --seed 8
expect_exit 0 "$PP" pipeline run $T
contains "$out" "succeeded"
expect_exit 0 "$PP" pipeline runs --json -n 1
jq -e '.[0].state == "success" and ([.[0].tasks[].state] | unique) == ["success"] and
	.[0].data_start == "2015-05-16T00:00:00.000Z"' <<<"$out" >/dev/null || fail "the first run: $out"
first=$(jq -r '.[0].tasks[] | select(.task == "train") | .produced[0].model' <<<"$out")
jq -e --arg m "$first" '.[0].tasks[] | select(.task == "promote") | .produced == [{"champion": $m}]' <<<"$out" \
	>/dev/null || fail "promote produced: $out"
jq -e '.[0].tasks[] | select(.task == "etl") | .produced | map(.table) | index("processed/events") != null' \
	<<<"$out" >/dev/null || fail "etl produced: $out"
expect_exit 0 "$PP" models list --json
contains "$out" "\"version\":\"$first\",\"stage\":\"champion\""

# gate: the same data again, forced: the candidate is no better, so it stays a candidate
expect_exit 0 "$PP" pipeline run $T --force
contains "$out" "promote          refused"
contains "$out" "succeeded: promote refused: not promoted:"
expect_exit 0 "$PP" pipeline runs --json -n 1
second=$(jq -r '.[0].tasks[] | select(.task == "train") | .produced[0].model' <<<"$out")
expect_exit 0 "$PP" models list --json
contains "$out" "\"version\":\"$second\",\"stage\":\"candidate\""

# gate: an expectation of severity error that fails stops the run before training
"$PP" check --print-suite fact_sessions | sed 's/{min_value: 1}}/{min_value: 100000000}}/' >strict.yaml
grep -q "min_value: 100000000" strict.yaml || fail "the suite did not change"
"$PP" pipeline dag | sed 's/command: \[check\]/command: [check, strict.yaml]/' >strict-dag.yaml
grep -q "strict.yaml" strict-dag.yaml || fail "the DAG did not change"
expect_exit 1 "$PP" pipeline run $T --force --set pipeline.dag=strict-dag.yaml
contains "$err" "check failed: quality gate: 1 expectation of severity error failed"
expect_exit 0 "$PP" pipeline runs --json -n 1 --set pipeline.dag=strict-dag.yaml
states=$(jq -r '.[0].tasks | map("\(.task)=\(.state)") | join(" ")' <<<"$out")
equals "$states" "etl=success check=failed recommendations=success features=upstream_failed train=upstream_failed evaluate=upstream_failed promote=upstream_failed materialize=upstream_failed" "the gated run"

# the server; events for a new session change its prediction
start_server
J='Content-Type: application/json'
http GET /v1/model
equals "$(jq -r .model.version <<<"$body")" "$first" "the champion served"
ev=$(duck "SELECT visitor_id, item_id, category_id, epoch_ms(ts) AS ms FROM read_parquet('$PWD/lake/processed/events/*/*.parquet') ORDER BY ts DESC LIMIT 1")
vid=$(jq -r .visitor_id <<<"$ev"); iid=$(jq -r .item_id <<<"$ev"); ms=$(jq -r .ms <<<"$ev")
q="{\"session_id\":\"e2e-session\",\"visitor_id\":\"$vid\",\"item_id\":\"$iid\",\"at\":$((ms + 60000))}"
http POST /v1/predict -H "$J" -d "$q"
expect_status 200
before=$body
equals "$(jq .cold_start <<<"$before")" "true" "a session not seen yet"
for k in 1 2 3; do
	e=view
	[ $k = 3 ] && e=addtocart
	printf '{"event_id":"e2e-%s","ts":%s,"visitor_id":"%s","session_id":"e2e-session","event":"%s","item_id":"%s"}\n' \
		"$k" "$((ms + k * 10000))" "$vid" "$e" "$iid" >>posted.ndjson
done
http POST /v1/events -H 'Content-Type: application/x-ndjson' --data-binary @posted.ndjson
expect_status 200
http POST /v1/predict -H "$J" -d "$q"
expect_status 200
equals "$(jq .cold_start <<<"$body")" "false" "the session after its events"
[ "$(jq .probability <<<"$body")" != "$(jq .probability <<<"$before")" ] || fail "the prediction did not move: $body"
checks=$((checks + 1))

# new data, a run started over the API (promotion forced: this test is about the hand-over)
expect_exit 0 "$PP" simulate --visitors 4000 --days 2 --seed 9 --start 2015-05-17
"$PP" pipeline dag | sed 's/command: \[models, promote, --by, pipeline\]/command: [models, promote, --force, --by, pipeline]/' >force-dag.yaml
grep -q -- "--force" force-dag.yaml || fail "the DAG did not change"
stop_server
start_server --set pipeline.dag=force-dag.yaml $T
http GET /v1/pipeline
jq -e '.dag == "shop" and .scheduler == false and (.tasks | map(.name)) == ["etl", "check", "recommendations",
	"features", "train", "evaluate", "promote", "materialize"]' <<<"$body" >/dev/null || fail "the DAG: $body"
http POST /v1/pipeline/runs -H "$J" -d '{"force": true}'
expect_status 202
run=$(jq -r .run_id <<<"$body")
state=running
for _ in $(seq 600); do
	http GET "/v1/pipeline/runs/$run"
	[ "$status" = 200 ] && state=$(jq -r .state <<<"$body")
	[ "$state" != running ] && break
	sleep 0.2
done
equals "$state" success "the API's run: $body"
equals "$(jq -r .trigger <<<"$body")" api "its trigger"
third=$(jq -r '.tasks[] | select(.task == "train") | .produced[0].model' <<<"$body")
jq -e --arg m "$third" '.tasks[] | select(.task == "promote") | .produced == [{"champion": $m}]' <<<"$body" \
	>/dev/null || fail "the new champion: $body"
log_has "serving model $third"
http GET /v1/model
equals "$(jq -r .model.version <<<"$body")" "$third" "the champion served after the run"
http GET "/v1/pipeline/runs/$run/log?task=train"
expect_status 200
contains "$body" "try 1 of 1"
http GET "/v1/pipeline/runs?limit=2"
equals "$(jq -r '.runs[0].id' <<<"$body")" "$run" "the newest run"
http POST /v1/pipeline/runs -H "$J" -d '{"only": "nope"}'
expect_status 400
contains "$body" '"field":"only"'
stop_server

# serve --scheduler: the scheduler runs beside the server (a DAG of its own, due at once) and
# stops with it
cat >tick.yaml <<'EOF'
dag: tick
schedule: "*/5 * * * *"
start_date: 2026-01-01
tasks:
  - {name: one, command: [sql, "SELECT 1"]}
EOF
start_server --scheduler --set pipeline.dag=tick.yaml
http GET /v1/pipeline
equals "$(jq .scheduler <<<"$body")" true "the scheduler is on"
n=0
for _ in $(seq 300); do
	http GET /v1/pipeline/runs
	n=$(jq '[.runs[] | select(.trigger == "scheduled" and .state == "success")] | length' <<<"$body")
	[ "$n" -ge 1 ] && break
	sleep 0.1
done
[ "$n" -ge 1 ] || fail "no scheduled run: $body; $(cat lake/_meta/pipeline/scheduler.log)"
pgrep -f "scheduler --parent $SERVER_PID" >/dev/null || fail "no scheduler process"
stop_server
pgrep -f "scheduler --parent $SERVER_PID" >/dev/null && fail "the scheduler outlived the server"
checks=$((checks + 1))
done_ok
