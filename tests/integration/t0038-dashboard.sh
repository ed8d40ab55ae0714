#!/bin/bash
# The dashboard in Debian's chromium (tests/node/ui-test.mjs, playwright-core): every page
# loads without console errors, a prediction on the Predict page is the API's, an event
# posted moves the Live page, the Pipeline page draws the DAG in the last run's colours and
# starts a run whose task log it shows; screenshots of every page in build/test-artifacts/ui/.
. "$PPREDICT_ROOT/tests/integration/lib.sh"
set -e

"$PP" init . >/dev/null
expect_exit 0 "$PP" simulate --visitors 3000 --days 8 --seed 5
expect_exit 0 "$PP" pipeline run --set train.search_trials=0
expect_exit 0 "$PP" drift --reference processed/events:2015-05-03..2015-05-06 --current 2015-05-07..2015-05-10
expect_exit 0 "$PP" materialize --json
asof=$(jq -r .as_of <<<"$out")
start_server

# the page and its files are in the binary
http GET /
expect_status 200
contains "$body" "<title>ppredict</title>"
http GET /assets/app.js
expect_status 200
http GET /assets/uPlot.iife.min.js
expect_status 200
http GET /assets/nope.js
expect_status 404

pt=$(duck "SELECT visitor_id, item_id FROM read_parquet('$PWD/lake/features/training_set/*/*.parquet') ORDER BY ts DESC LIMIT 1")
req=$(jq -c --arg at "$asof" '{visitor_id, item_id, at: $at}' <<<"$pt")
art="$PPREDICT_ROOT/build/test-artifacts/ui"
node "$PPREDICT_ROOT/tests/node/ui-test.mjs" "$URL" "$art" "$req" > ui.log 2>&1 || fail "the browser test: $(cat ui.log)"
contains "$(cat ui.log)" "ok predict:"
contains "$(cat ui.log)" "ok live:"
contains "$(cat ui.log)" "ok pipeline: a run started"
expect_exit 0 "$PP" pipeline runs --json -n 1
jq -e '.[0].trigger == "api" and .[0].state == "success"' <<<"$out" >/dev/null || fail "the page's run: $out"
for p in live predict model data pipeline; do
	[ -s "$art/$p.png" ] || fail "no screenshot of $p"
done
stop_server
done_ok
