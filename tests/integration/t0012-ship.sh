#!/bin/bash
# ppredict ship: follows growing files, survives rotation (rename + new file, and
# copytruncate), waits for a server that is down, and after kill -9 resumes from its
# registry: the raw zone holds every line of the files, once.
. "$PPREDICT_ROOT/tests/integration/lib.sh"
set -e

"$PP" init . >/dev/null
# count_stored: events in the lake and in the running server's journal, by event_id
stored_ids() { "$PP" lake cat | jq -r .event_id | sort; }
wait_metric() { # wait_metric N: until the server has stored N events
	for _ in $(seq 200); do
		n=$(curl -s "$URL/metrics" | awk '/^ppredict_events_accepted_total/ {print $2}')
		[ "${n:-0}" -ge "$1" ] && return 0
		sleep 0.05
	done
	fail "the server has ${n:-0} events, expected $1"
}
line() { printf '{"ts":1433221332117,"visitor_id":"%s","event":"view","item_id":"%s"}\n' "$1" "$2"; }

# the server is down when the shipper starts: it waits and retries
mkdir logs
for i in $(seq 50); do line a "$i"; done > logs/app.ndjson
"$PP" ship 'logs/*.ndjson' --to http://127.0.0.1:1 --registry down.registry --once --poll 50 >ship0.log 2>&1 &
ship0=$!
sleep 0.5
kill -TERM $ship0; wait $ship0 || true
contains "$(cat ship0.log)" "retrying"
[ ! -s down.registry ] || equals "$(awk '{print $4}' down.registry)" "0" "offset without a server"

start_server --set ingest.seal_interval=1s
"$PP" ship 'logs/*.ndjson' --to "$URL" --poll 50 --rotate-grace 200 >ship.log 2>&1 &
SHIP=$!
wait_metric 50
# growth, with a partial line that must wait for its end
for i in $(seq 51 80); do line a "$i"; done >> logs/app.ndjson
printf '{"ts":1433221332117,"visitor_id":"a","event":"view",' >> logs/app.ndjson
wait_metric 80
printf '"item_id":"81"}\n' >> logs/app.ndjson
wait_metric 81
# rotation: rename, then a new file under the old name
mv logs/app.ndjson logs/app.ndjson.1
line a 82 >> logs/app.ndjson.1          # a late write to the rotated file is still read
for i in $(seq 1 20); do line b "$i"; done > logs/app.ndjson
wait_metric 102
for _ in $(seq 40); do grep -q "rotated away" ship.log && break; sleep 0.05; done
# copytruncate: the file is copied away and truncated in place, then written again
cp logs/app.ndjson logs/old-copy.txt
: > logs/app.ndjson
for i in $(seq 21 30); do line b "$i"; done >> logs/app.ndjson
wait_metric 112
# kill -9 mid-stream, append, restart: nothing lost, nothing twice
kill -9 $SHIP; wait $SHIP 2>/dev/null || true
for i in $(seq 31 60); do line b "$i"; done >> logs/app.ndjson
"$PP" ship 'logs/*.ndjson' --to "$URL" --once --poll 50 >>ship.log 2>&1
wait_metric 142
stop_server
contains "$(cat ship.log)" "rotated away"
contains "$(cat ship.log)" "truncated"
ids=$(stored_ids)
equals "$(wc -l <<<"$ids")" "142" "events stored"
equals "$(uniq -d <<<"$ids" | wc -l)" "0" "events stored twice"
equals "$("$PP" lake cat | jq -r 'select(.visitor_id == "a") | .item_id' | sort -n | uniq | wc -l)" "82" "file a's lines"
equals "$("$PP" lake cat | jq -r 'select(.visitor_id == "b") | .item_id' | sort -n | uniq | wc -l)" "60" "file b's lines"

# a registry that resumes: shipping the same files again sends nothing
start_server
expect_exit 0 "$PP" ship 'logs/*.ndjson' --to "$URL" --once
contains "$err" "0 events sent"
stop_server

# CSV formats: a RetailRocket file, its header carried to every batch
"$PP" simulate --visitors 3000 --format retailrocket --out rr/events.csv --no-catalog >/dev/null
rows=$(($(wc -l < rr/events.csv) - 1))
before=$("$PP" lake cat | wc -l)
start_server
expect_exit 0 "$PP" ship rr/events.csv --format retailrocket --to "$URL" --once --batch 100 --registry rr.registry
contains "$err" "$rows events sent"
stop_server
equals "$(("$("$PP" lake cat | wc -l)" - before))" "$rows" "RetailRocket rows stored"
done_ok
