#!/bin/bash
# Backpressure: past ingest.queue_bytes of events waiting for their fsync, POST /v1/events
# answers 429 (and the shipper would wait); what was answered 200 is stored.
. "$PPREDICT_ROOT/tests/integration/lib.sh"
set -e

"$PP" init . >/dev/null
# slow fsyncs (one a second) and a small queue
start_server --set ingest.commit_interval=1s --set ingest.queue_bytes=64KiB
for i in $(seq 400); do
	printf '{"ts":1433221332117,"visitor_id":"v%s","event":"view","item_id":"i"}\n' "$i"
done > batch.ndjson   # ~27 KB
pids=""
for c in 1 2 3 4 5 6; do
	curl -s -o /dev/null -w '%{http_code}\n' -H Content-Type:application/x-ndjson \
		--data-binary @batch.ndjson "$URL/v1/events" > code-$c.txt &
	pids="$pids $!"
done
wait $pids   # (not the server)
codes=$(sort code-*.txt | uniq -c | tr -s ' ')
contains "$codes" " 200"
contains "$codes" " 429"
ok=$(grep -c 200 code-*.txt | awk -F: '{s += $2} END {print s}')
http GET /metrics
contains "$body" "ppredict_events_accepted_total $((ok * 400))"
contains "$body" 'route="/v1/events",status="429"}'
stop_server
equals "$("$PP" lake cat | wc -l)" "$((ok * 400))" "events stored"
done_ok
