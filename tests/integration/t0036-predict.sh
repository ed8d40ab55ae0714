#!/bin/bash
# POST /v1/predict and /v1/predict/batch: by session from the online store fed live, with
# features given outright, cold starts, explanations, and every bad input with the error
# shape. Training and serving agree end to end: the lake's events replayed into a server
# with an empty store give, at a prediction point, the probability the model gives that
# point's training row.
. "$PPREDICT_ROOT/tests/integration/lib.sh"
set -e

trained_shop 3000 8 5
v=$MODEL
expect_exit 0 "$PP" models promote "$v"

J='Content-Type: application/json'
start_server --set online_store.path=$PWD/fresh.lmdb --set predict.log_permille=1000

# no model yet? there is one: the champion
http GET /v1/model
expect_status 200

# a session that buys later, and its last prediction point (its third or later)
pt=$(duck "SELECT session_id, visitor_id, item_id, epoch_ms(ts) AS ms FROM read_parquet('$PWD/lake/features/training_set/*/*.parquet') WHERE label = 1 QUALIFY row_number() OVER (PARTITION BY session_id ORDER BY ts DESC) = 1 AND count(*) OVER (PARTITION BY session_id) >= 3 ORDER BY ts LIMIT 1")
sid=$(jq -r .session_id <<<"$pt"); vid=$(jq -r .visitor_id <<<"$pt"); iid=$(jq -r .item_id <<<"$pt"); ms=$(jq -r .ms <<<"$pt")
[ -n "$sid" ] && [ "$sid" != null ] || fail "no buying session in the training set"

# every event up to that point, in time order, into the server (its live features)
duck "COPY (SELECT event_id, epoch_ms(ts) AS ts, visitor_id, session_id, event, item_id, category_id, price, transaction_id FROM read_parquet('$PWD/lake/processed/events/*/*.parquet') WHERE epoch_ms(ts) <= $ms ORDER BY ts, event_id) TO '$PWD/replay.ndjson' (FORMAT JSON)" >/dev/null
[ "$(wc -l < replay.ndjson)" -gt 100 ] || fail "few events to replay"
split -l 2000 replay.ndjson part.
for f in part.*; do
	http POST /v1/events -H 'Content-Type: application/x-ndjson' --data-binary @"$f"
	expect_status 200
done

# by id at the point: the probability of the training row's features given outright
http POST /v1/predict -H "$J" -d "{\"session_id\":\"$sid\",\"visitor_id\":\"$vid\",\"item_id\":\"$iid\",\"at\":$ms,\"explain\":true,\"top\":4}"
expect_status 200
by_id=$body
equals "$(jq -r .model_version <<<"$by_id")" "$v" "the champion answers"
equals "$(jq .cold_start <<<"$by_id")" "false" "the session is known"
equals "$(jq '.views | to_entries | map(select(.value != null)) | length' <<<"$by_id")" "4" "every view found"
equals "$(jq '.reasons | length' <<<"$by_id")" "4" "top 4 reasons"
jq -e '.freshness_ms == 0 and (.probability >= 0) and (.probability <= 1) and
	((.label == true) == (.probability >= .threshold))' <<<"$by_id" >/dev/null || fail "prediction: $by_id"
features=$(duck "SELECT * EXCLUDE (session_id, visitor_id, item_id, ts, label, event_date) FROM read_parquet('$PWD/lake/features/training_set/*/*.parquet', hive_partitioning = true) WHERE session_id = '$sid' AND epoch_ms(ts) = $ms")
[ -n "$features" ] || fail "no training row for the point"
http POST /v1/predict -H "$J" -d "{\"features\":$features,\"at\":$ms}"
expect_status 200
awk -v a="$(jq .probability <<<"$by_id")" -v b="$(jq .probability <<<"$body")" \
	'BEGIN { d = a - b; if (d < 0) d = -d; exit !(d < 1e-6) }' ||
	fail "training and serving differ: by id $(jq .probability <<<"$by_id"), the training row $(jq .probability <<<"$body")"
# the live sessions: the probability made right after each event, the same as by id
http GET "/v1/sessions/live?limit=500"
expect_status 200
jq -e '.active > 0 and .active == (.sessions | length) and .scored == .active and .next_offset == null and
	.events_last_minute > 0 and ([.sessions[].probability] | . == (sort | reverse))' <<<"$body" >/dev/null ||
	fail "live sessions: $(head -c 600 <<<"$body")"
live_p=$(jq --arg s "$sid" '.sessions[] | select(.session_id == $s) | .probability' <<<"$body")
awk -v a="$live_p" -v b="$(jq .probability <<<"$by_id")" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(d < 1e-5) }' ||
	fail "the live table's probability $live_p, by id $(jq .probability <<<"$by_id")"
http GET "/v1/sessions/live?limit=1&sort=recent"
expect_status 200
equals "$(jq '.sessions | length' <<<"$body")" "1" "a page of one"
equals "$(jq .next_offset <<<"$body")" "1" "the next page"
http GET "/v1/sessions/live?limit=0"
expect_status 400
contains "$body" '"field":"limit"'
http GET "/v1/sessions/live?sort=size"
expect_status 400
http GET "/v1/sessions/live?min_probability=2"
expect_status 400

# event search: the session's events from memory, newest first, in pages; filters; errors
n_events=$(duck "SELECT count(*) AS n FROM read_parquet('$PWD/lake/processed/events/*/*.parquet') WHERE session_id = '$sid' AND epoch_ms(ts) <= $ms" | jq -r .n)
http GET "/v1/events?session_id=$sid&limit=1000"
expect_status 200
equals "$(jq '.events | length' <<<"$body")" "$n_events" "the session's events"
equals "$(jq -r '[.events[].from] | unique | join(",")' <<<"$body")" "recent" "from memory"
jq -e '[.events[].ts] | . == (sort | reverse)' <<<"$body" >/dev/null || fail "not newest first"
first=$(jq -c '[.events[].event_id]' <<<"$body")
http GET "/v1/events?session_id=$sid&limit=2"
page1=$(jq -c '[.events[].event_id]' <<<"$body")
cursor=$(jq -r .next_cursor <<<"$body")
http GET "/v1/events?session_id=$sid&limit=1000&cursor=$cursor"
equals "$(jq -c --argjson p "$page1" '$p + [.events[].event_id]' <<<"$body")" "$first" "two pages make the whole"
http GET "/v1/events?visitor_id=$vid&event=addtocart"
jq -e '(.events | length) > 0 and ([.events[] | .event == "addtocart" and .visitor_id == "'"$vid"'"] | all)' <<<"$body" >/dev/null ||
	fail "filtered: $body"
http GET "/v1/events?event=bogus"
expect_status 400
contains "$body" '"field":"event"'
http GET "/v1/events?cursor=nope"
expect_status 400
http GET "/v1/events?from=2015-06-02&to=2015-06-01"
expect_status 400

# recommendations for the session: from its items (the server holds its events), none of
# them, each with a reason; a cold start gets popular items; bad k
http GET "/v1/recommendations?session_id=$sid&visitor_id=$vid&k=5"
expect_status 200
seeds=$(jq -c '.seeds' <<<"$body")
equals "$(jq -r '.[0]' <<<"$seeds")" "$iid" "the session's latest item first"
equals "$(jq '.recommendations | length' <<<"$body")" "5" "five items"
equals "$(jq --argjson s "$seeds" '[.recommendations[].item_id | select(. as $i | $s | index($i))] | length' <<<"$body")" "0" \
	"a seed recommended"
jq -e '[.recommendations[].reason] | all(. == "viewed_together" or . == "carted_together" or . == "bought_together" or
	. == "popular_in_category" or . == "popular")' <<<"$body" >/dev/null || fail "reasons: $body"
jq -e '.recommendations[0].reason != "popular"' <<<"$body" >/dev/null || fail "nothing from the session's items: $body"
http GET "/v1/recommendations?k=3"
expect_status 200
equals "$(jq -c '[.recommendations[].reason] | unique' <<<"$body")" '["popular"]' "a cold start"
http GET "/v1/recommendations?k=1000"
expect_status 400
contains "$body" '"field":"k"'

# what the dashboard reads: the registry, the lake, the model's curves, the warehouse
http GET /v1/models
equals "$(jq -r '.models[0].version + " " + .models[0].stage' <<<"$body")" "$v champion" "the registry"
http GET /v1/lake
jq -e '.tables[] | select(.table == "processed/events") | .rows > 1000 and .partitioned_by == "event_date"' \
	<<<"$body" >/dev/null || fail "lake: $body"
equals "$(jq -r '.tables[] | select(.table == "curated/visitor_outliers") | .version' <<<"$body")" "null" "a table not made"
http GET /v1/model
jq -e '(.model.report.roc_curve | length) > 10 and (.model.report.importance | length) == 46 and .model.rows.test > 0' \
	<<<"$body" >/dev/null || fail "the model's report: $(head -c 300 <<<"$body")"
http GET /v1/warehouse/funnel
expect_status 503
contains "$body" "run \`ppredict etl\`"
http GET /v1/warehouse/nope
expect_status 404

# the contributions add up to the margin
jq -e '(.expected_margin + ([.reasons[].contribution] | add)) | type == "number"' <<<"$by_id" >/dev/null

# the session not known: cold start from the visitor and the item, or 404 when configured
http POST /v1/predict -H "$J" -d "{\"session_id\":\"nope\",\"visitor_id\":\"$vid\",\"at\":$ms}"
expect_status 200
equals "$(jq .cold_start <<<"$body")" "true" "cold start"
equals "$(jq -r .views.visitor_history <<<"$body" | cut -c1-4)" "$(date -u -d @$((ms / 1000)) +%Y)" "the visitor's features read"
stop_server

# every prediction kept (log_permille 1000) in the raw zone once the server stopped: the
# keys, the whole vector by name, the model, the probability (DuckDB reads the segments)
log=$(duck "SELECT count(*) AS n, count(DISTINCT model_version) AS models, min(json_array_length(json_keys(features))) AS width, max(CASE WHEN session_id = '$sid' THEN probability END) AS p FROM read_json_auto('$PWD/lake/raw/predictions/*/*/*/*/*.ndjson.zst', format = 'newline_delimited')")
equals "$(jq -c '[.n, .models, .width] | map(tonumber)' <<<"$log")" '[3,1,46]' "the prediction log"
awk -v a="$(jq .p <<<"$log")" -v b="$(jq .probability <<<"$by_id")" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(d < 1e-6) }' ||
	fail "the logged probability $(jq .p <<<"$log")"
start_server --set online_store.path=$PWD/fresh.lmdb --set predict.unknown_session=404
# a new server holds no events: they come from the lake, the same ones
http GET "/v1/events?session_id=$sid&limit=1000&to=$ms"
equals "$(jq -c '[.events[].event_id]' <<<"$body")" "$first" "the lake's events, the same"
equals "$(jq -r '[.events[].from] | unique | join(",")' <<<"$body")" "lake" "from the lake"
http POST /v1/predict -H "$J" -d "{\"session_id\":\"nope\",\"at\":$ms}"
expect_status 404
contains "$body" '"code":"unknown_session"'
contains "$body" '"field":"session_id"'

# bad input: the error shape, the field named
http POST /v1/predict -H "$J" -d '{"features":{"s_carts":1,"bogus":2}}'
expect_status 400
contains "$body" "1 unknown feature: 'bogus'"
contains "$body" '"field":"features"'
http POST /v1/predict -H "$J" -d '{"features":{"s_carts":"two"}}'
expect_status 400
contains "$body" "features.s_carts: expected a number or null, got a string"
http POST /v1/predict -H "$J" -d '{"session_id":12}'
expect_status 400
contains "$body" '"field":"session_id"'
http POST /v1/predict -H "$J" -d '{"sessionid":"x"}'
expect_status 400
contains "$body" "'sessionid' is not a field of a prediction request"
http POST /v1/predict -H "$J" -d '{"features":{"s_carts":1},"top":0}'
expect_status 400
contains "$body" '"field":"top"'
http POST /v1/predict -H "$J" -d '{"features":{"s_carts":1},"at":"yesterday"}'
expect_status 400
contains "$body" '"field":"at"'
http POST /v1/predict -H "$J" -d '{}'
expect_status 400
contains "$body" "give session_id, visitor_id, item_id or category_id"
http POST /v1/predict -H "$J" -d '{"features":'
expect_status 400
contains "$body" '"code":"invalid_json"'
http POST /v1/predict -H 'Content-Type: text/plain' -d 'x'
expect_status 415

# a batch: JSON with a bad row among good ones
http POST /v1/predict/batch -H "$J" -d "[{\"session_id\":\"$sid\",\"visitor_id\":\"$vid\",\"item_id\":\"$iid\",\"at\":$ms},{\"features\":{\"x\":1}},{\"features\":$features}]"
expect_status 200
equals "$(jq -c '[.rows, .errors, .results[1].error.code, .results[1].row]' <<<"$body")" '[3,1,"invalid",2]' "row errors"
awk -v a="$(jq .results[0].probability <<<"$body")" -v b="$(jq .results[2].probability <<<"$body")" \
	'BEGIN { d = a - b; if (d < 0) d = -d; exit !(d < 1e-6) }' || fail "batch rows disagree: $body"
# CSV in and out, a bad cell and a short line among good rows
printf 'session_id,visitor_id,item_id,at,s_carts\n%s,%s,%s,%s,\n,,,,2\n,,,,two\n,,\n' "$sid" "$vid" "$iid" "$ms" > batch.csv
http POST '/v1/predict/batch?format=csv' -H 'Content-Type: text/csv' --data-binary @batch.csv
expect_status 200
equals "$(head -1 <<<"$body")" "row,probability,label,error" "CSV header"
equals "$(sed -n 2p <<<"$body" | cut -d, -f2)" "$(jq .probability <<<"$by_id")" "CSV row 1 = the single prediction"
contains "$(sed -n 4p <<<"$body")" "s_carts: expected a number, got 'two'"
contains "$(sed -n 5p <<<"$body")" "3 fields, the header has 5"
printf 'nope,s_carts\n1,2\n' > bad.csv
http POST /v1/predict/batch -H 'Content-Type: text/csv' --data-binary @bad.csv
expect_status 400
contains "$body" "'nope' is not one of the model's features"
http POST /v1/predict/batch -H "$J" -d '{"rows":[]}'
expect_status 400
stop_server
start_server --set online_store.path=$PWD/fresh.lmdb --set predict.max_batch=2
http POST /v1/predict/batch -H "$J" -d '[{"features":{"s_carts":1}},{"features":{"s_carts":1}},{"features":{"s_carts":1}}]'
expect_status 413
contains "$body" '"code":"too_many_rows"'
stop_server
done_ok
