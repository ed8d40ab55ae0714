#!/bin/bash
# When the journal cannot be written (disk full), /v1/events answers 503 and /readyz says
# not ready; nothing unacknowledged is claimed stored. SIGTERM lets a request that waits
# for its fsync finish before the server exits.
. "$PPREDICT_ROOT/tests/integration/lib.sh"
set -e

"$PP" init . >/dev/null
E='{"ts":1433221332117,"visitor_id":"1","event":"view","item_id":"2"}'

# the third journal write fails as if the disk were full
PPREDICT_FAIL_AT=journal:3 start_server
for i in 1 2; do
	http POST /v1/events -H Content-Type:application/json -d "$E"; expect_status 200
done
http POST /v1/events -H Content-Type:application/json -d "$E"
expect_status 503; equals "$(jq -r .error.code <<<"$body")" "journal_failed"
http POST /v1/events -H Content-Type:application/json -d "$E"
expect_status 503
http GET /readyz; expect_status 503; contains "$body" "disk full"
http GET /healthz; expect_status 200
kill -TERM "$SERVER_PID"; wait "$SERVER_PID" || true
contains "$(cat server.log)" "No space left on device"
# the next start seals what was acknowledged: exactly the two stored events
start_server
stop_server
equals "$("$PP" lake cat | wc -l)" "2" "events stored"

# graceful shutdown: a request waiting for its (slow) fsync still gets its 200
start_server --set ingest.commit_interval=800ms
http POST /v1/events -H Content-Type:application/json -d "$E"   # an fsync happens now
curl -s -o slow.out -w '%{http_code}' -H Content-Type:application/json -d "$E" "$URL/v1/events" > slow.code &
curl_pid=$!
sleep 0.2   # the request is waiting for the next fsync, up to 800 ms away
kill -TERM "$SERVER_PID"
wait "$curl_pid"
equals "$(cat slow.code)" "200" "status of the request in flight at SIGTERM"
wait "$SERVER_PID" || fail "the server did not exit 0 after SIGTERM"
equals "$("$PP" lake cat | wc -l)" "4" "events stored"
done_ok
