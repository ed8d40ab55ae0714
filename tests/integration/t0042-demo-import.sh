#!/bin/bash
# ppredict demo --import: the whole system on a user's own files (RetailRocket's CSVs here,
# made by the simulator): the import, the pipeline, drift, bots, the server with its
# scheduler, a latency figure and the summary with each stage's time; no stream for
# imported data. Then the server it left running answers, and stops.
. "$PPREDICT_ROOT/tests/integration/lib.sh"
set -e

expect_exit 0 "$PP" simulate --visitors 6000 --days 14 --seed 12 --format retailrocket --out rr/events.csv
ls rr/category_tree.csv >/dev/null || fail "no category tree beside the events"
expect_exit 2 "$PP" demo --import retailrocket
contains "$err" "name the files"
mkdir taken
expect_exit 1 "$PP" demo --dir taken
contains "$err" "taken exists"

expect_exit 0 "$PP" demo --dir shop --listen 127.0.0.1:0 --import retailrocket --set train.search_trials=0 \
	rr/events.csv rr/category_tree.csv rr/item_properties.csv
trap 'kill $(cat shop/serve.pid) 2>/dev/null || true' EXIT
for s in "import:" "pipeline:" "drift:" "bots:" "server start:" "latency check:"; do
	contains "$out" "($s" "the stage times"
done
contains "$out" "run "
contains "$out" "succeeded"
contains "$out" "data:        "
contains "$out" "quality:     "
contains "$out" "model:       "
contains "$out" "latency:     POST /v1/predict"
not_contains "$out" "live traffic" "a stream for imported data"
[ ! -e shop/stream.pid ] || fail "a stream for imported data"
checks=$((checks + 1))

URL=$(cat shop/serve.url)
http GET /v1/pipeline
equals "$(jq .scheduler <<<"$body")" true "the demo's server runs the scheduler"
http GET "/v1/pipeline/runs?limit=1"
equals "$(jq -r '.runs[0].state' <<<"$body")" success "the demo's run"
example=$(grep -o "\-d '{[^']*}'" <<<"$out" | sed "s/^-d '//; s/'$//")
http POST /v1/predict -H 'Content-Type: application/json' -d "$example"
expect_status 200
jq -e '.probability >= 0 and (.reasons | length) > 0' <<<"$body" >/dev/null || fail "the example prediction: $body"
pid=$(cat shop/serve.pid)
kill -TERM "$pid"
for _ in $(seq 100); do
	kill -0 "$pid" 2>/dev/null || break
	sleep 0.1
done
kill -0 "$pid" 2>/dev/null && fail "the demo's server did not stop"
pgrep -f "scheduler --parent $pid" >/dev/null && fail "its scheduler outlived it"
checks=$((checks + 1))
done_ok
