#!/bin/bash
# The HTTP API over loopback: good and bad bodies, limits, encodings, dedup, metrics.
. "$PPREDICT_ROOT/tests/integration/lib.sh"
set -e

"$PP" init . >/dev/null
start_server --set server.max_body=64KiB --set server.body_timeout=700ms --set server.max_json_depth=4 \
	--set ingest.max_events_per_request=100
J='-H Content-Type:application/json'
ev() { printf '{"ts":1433221332117,"visitor_id":"v%s","event":"view","item_id":"i1"%s}' "$1" "${2:+,\"event_id\":\"$2\"}"; }

http GET /healthz; expect_status 200; equals "$body" '{"status":"ok"}'
http GET /readyz; expect_status 200
http POST /v1/events $J -d "$(ev 1 e1)"; expect_status 200
equals "$(jq -c . <<<"$body")" '{"accepted":1,"stored":1,"duplicates":0,"rejected":[]}'
# the same event_id again is acknowledged but not stored twice
http POST /v1/events $J -d "$(ev 1 e1)"; expect_status 200
equals "$(jq .duplicates <<<"$body")" "1"
# ids that differ after an escaped quote are different ids
http POST /v1/events $J -d '[{"ts":1433221332117,"visitor_id":"q","event":"view","item_id":"i","event_id":"q\"1"},{"ts":1433221332117,"visitor_id":"q","event":"view","item_id":"i","event_id":"q\"2"}]'
expect_status 200; equals "$(jq -c '[.stored, .duplicates]' <<<"$body")" "[2,0]" "escaped ids"
# an array: good events kept beside bad ones, each refusal with index, field, message
http POST /v1/events $J -d "[$(ev 2),{\"ts\":\"soon\",\"visitor_id\":\"x\",\"event\":\"view\",\"item_id\":\"i\"},$(ev 3),{\"ts\":1433221332117,\"visitor_id\":7.5,\"event\":\"view\",\"item_id\":\"i\"},\"text\"]"
expect_status 200
equals "$(jq .stored <<<"$body")" "2"
equals "$(jq -c '[.rejected[] | [.index, .field]]' <<<"$body")" '[[1,"ts"],[3,"visitor_id"],[4,null]]'
contains "$(jq -r '.rejected[0].message' <<<"$body")" "is not an RFC 3339 time"
# NDJSON, blank lines skipped
http POST /v1/events -H Content-Type:application/x-ndjson --data-binary "$(ev 4)"$'\n\n'"$(ev 5)"$'\n'
expect_status 200; equals "$(jq .stored <<<"$body")" "2"
# all invalid: 400, error shape plus the reasons
http POST /v1/events $J -d '{"ts":1433221332117,"visitor_id":"1","event":"click","item_id":"2"}'
expect_status 400
equals "$(jq -r .error.code <<<"$body")" "invalid_events"
equals "$(jq -r '.rejected[0].field' <<<"$body")" "event"
# invalid UTF-8 inside a string
http POST /v1/events $J --data-binary $'{"ts":1433221332117,"visitor_id":"\xff","event":"view","item_id":"2"}'
expect_status 400; contains "$body" "invalid UTF-8"
# malformed JSON array: nothing can be split, 400 with the place
http POST /v1/events $J -d "[$(ev 6),"
expect_status 400; equals "$(jq -r .error.code <<<"$body")" "bad_json"
# deep nesting
http POST /v1/events $J -d '{"ts":1433221332117,"visitor_id":"1","event":"view","item_id":"2","props":{"a":{"b":{"c":{"d":{"e":1}}}}}}'
expect_status 400; contains "$body" "nested too deeply"
http POST /v1/events $J -d "[{\"a\":[[[[[[1]]]]]]}]"
expect_status 400; contains "$body" "nested too deeply"
# empty body, missing or wrong content type, unknown encoding
http POST /v1/events $J --data-binary ''
expect_status 400; equals "$(jq -r .error.code <<<"$body")" "empty_body"
http POST /v1/events -H 'Content-Type:' -d "$(ev 7)"
expect_status 415; contains "$body" "Content-Type is required"
http POST /v1/events -H 'Content-Type: text/csv' -d "$(ev 7)"
expect_status 415
http POST /v1/events $J -H 'Content-Encoding: br' -d "$(ev 7)"
expect_status 415
# too large: by Content-Length before reading, and by decoded size
head -c 70000 /dev/zero | tr '\0' ' ' > big.json
http POST /v1/events $J --data-binary @big.json
expect_status 413
# too many events in one request
for i in $(seq 101); do ev "m$i"; echo; done > many.ndjson
http POST /v1/events -H Content-Type:application/x-ndjson --data-binary @many.ndjson
expect_status 413; equals "$(jq -r .error.code <<<"$body")" "too_many_events"
# gzip and zstd bodies
for i in $(seq 20); do ev "g$i"; echo; done > gz.ndjson
gzip -c gz.ndjson > gz.ndjson.gz
http POST /v1/events -H Content-Type:application/x-ndjson -H 'Content-Encoding: gzip' --data-binary @gz.ndjson.gz
expect_status 200; equals "$(jq .stored <<<"$body")" "20"
sed 's/"g/"z/' gz.ndjson | zstd -q -c > z.ndjson.zst
http POST /v1/events -H Content-Type:application/x-ndjson -H 'Content-Encoding: zstd' --data-binary @z.ndjson.zst
expect_status 200; equals "$(jq .stored <<<"$body")" "20"
head -c 30 gz.ndjson.gz > broken.gz
http POST /v1/events -H Content-Type:application/x-ndjson -H 'Content-Encoding: gzip' --data-binary @broken.gz
expect_status 400; equals "$(jq -r .error.code <<<"$body")" "bad_encoding"
# a zip bomb stops at the limit
head -c 10000000 /dev/zero | gzip -c > bomb.gz
http POST /v1/events -H Content-Type:application/x-ndjson -H 'Content-Encoding: gzip' --data-binary @bomb.gz
expect_status 413
# routes and methods
http GET /nope; expect_status 404; equals "$(jq -r .error.code <<<"$body")" "not_found"
out=$(curl -s -i -X DELETE "$URL/v1/events")
contains "$out" "405 Method Not Allowed"; contains "$out" "Allow: POST"
# no Content-Length and not chunked: 411
exec 3<>/dev/tcp/127.0.0.1/"$PORT"
printf 'POST /v1/events HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n' >&3
reply=$(timeout 5 cat <&3 || true)
exec 3<&-
contains "$reply" "411 Length Required"
# a body that trickles in is cut off (the connection closes once body_timeout passes)
exec 3<>/dev/tcp/127.0.0.1/"$PORT"
( printf 'POST /v1/events HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: 200\r\nConnection: close\r\n\r\n{"ts":'
  for i in $(seq 20); do sleep 0.4; printf '1' 2>/dev/null || break; done ) >&3 2>/dev/null &
t0=$(date +%s%N)
reply=$(timeout 10 cat <&3 2>/dev/null || true)
elapsed_ms=$((($(date +%s%N) - t0) / 1000000))
exec 3<&-
not_contains "$reply" "200 OK"
[ "$elapsed_ms" -lt 5000 ] || fail "a slow body kept its connection for ${elapsed_ms} ms"
sleep 0.2
contains "$(cat server.log)" "POST /v1/events 408"
# the OpenAPI document follows the route table
http GET /openapi.json; expect_status 200
equals "$(jq -c '.paths | keys' <<<"$body")" '["/","/assets/{name}","/healthz","/metrics","/openapi.json","/readyz","/v1/events","/v1/features","/v1/features/online","/v1/lake","/v1/model","/v1/models","/v1/models/rollback","/v1/models/{version}/promote","/v1/pipeline","/v1/pipeline/runs","/v1/pipeline/runs/{id}","/v1/pipeline/runs/{id}/log","/v1/predict","/v1/predict/batch","/v1/quality","/v1/recommendations","/v1/sessions/live","/v1/warehouse/{view}"]'
equals "$(jq -r '.paths["/v1/events"].post.security[0].bearer[0]' <<<"$body")" "ingest"
# metrics count what happened
http GET /metrics; expect_status 200
contains "$body" 'ppredict_http_requests_total{method="GET",route="/healthz",status="200"} 1'
contains "$body" 'ppredict_http_requests_total{method="POST",route="/v1/events",status="413"} 3'
contains "$body" 'route="unmatched",status="404"} 1'
contains "$body" 'route="unmatched",status="405"} 1'
contains "$body" "ppredict_events_accepted_total 47"
contains "$body" "ppredict_events_duplicate_total 1"
contains "$body" 'ppredict_journal_fsync_seconds_bucket{le="+Inf"}'
contains "$(cat server.log)" "POST /v1/events 200"
stop_server
contains "$(cat server.log)" "stopped"
# everything acknowledged is in the raw zone, once
equals "$("$PP" lake cat | wc -l)" "47" "events in the lake"
equals "$("$PP" lake cat | jq -r 'select(.event_id == "e1") | .visitor_id' | wc -l)" "1" "deduplicated"
"$PP" lake cat | jq -e 'select(.received_at == null)' >/dev/null && fail "an event without received_at"
done_ok
