#!/bin/bash
# Crash safety of the collector: under load, kill -9 the server and restart it. Every
# event answered 200 is in the raw zone exactly once afterwards.
. "$PPREDICT_ROOT/tests/integration/lib.sh"
set -e

"$PP" init . >/dev/null
start_server --set ingest.seal_interval=1s --set ingest.journal_bytes=64KiB

# four clients post batches of 20 events with unique ids; acknowledged ids are recorded
client() {
	local c=$1 b=0
	while :; do
		b=$((b + 1))
		local body="" i
		for i in $(seq 20); do
			body+="{\"ts\":1433221332117,\"visitor_id\":\"c$c\",\"event\":\"view\",\"item_id\":\"$b\",\"event_id\":\"c$c-b$b-e$i\"}"$'\n'
		done
		code=$(curl -s -o /dev/null -w '%{http_code}' -m 5 -H Content-Type:application/x-ndjson \
			--data-binary "$body" "$URL/v1/events" || true)
		if [ "$code" = 200 ]; then
			for i in $(seq 20); do echo "c$c-b$b-e$i"; done >> acked-$c.txt
		fi
		[ -e stop-clients ] && break
	done
}
for c in 1 2 3 4; do client $c & done
sleep 2
kill -9 "$SERVER_PID"
wait "$SERVER_PID" 2>/dev/null || true
touch stop-clients
wait
acked=$(cat acked-*.txt | wc -l)
[ "$acked" -gt 100 ] || fail "only $acked events acknowledged before the kill"
# the journal left behind is sealed at the next start; nothing was sealed twice
start_server
contains "$(cat server.log)" "sealing journal"
stop_server
"$PP" lake cat | jq -r .event_id | sort > stored.txt
sort acked-*.txt > acked.txt
missing=$(comm -23 acked.txt stored.txt | wc -l)
equals "$missing" "0" "acknowledged events missing from the raw zone"
dups=$(uniq -d stored.txt | wc -l)
equals "$dups" "0" "events stored twice"
expect_exit 0 "$PP" lake fsck
echo "$acked acknowledged, $(wc -l < stored.txt) stored" >&2
done_ok
