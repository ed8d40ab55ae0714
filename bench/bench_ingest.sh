#!/bin/bash
# bench_ingest - POST /v1/events throughput and latency with durability on (every 200 is
# after an fsync), load from wrk on the same 2-core machine.
#   the collector alone (features.live: false):
#     batched: 500 events per NDJSON request      goal >= 200,000 events/s
#     single:  one event per request              goal >= 30,000 req/s, p99 <= 2 ms
#   with live features (the default: every event applied to the online store before the
#   answer, a request's events 256 to a transaction), events of 200,000 visitors in turn: no
#   goal of its own, shown because it is what a server with the defaults does.
set -eu
PP=${PPREDICT_BIN:-build/ppredict}
PP=$(cd "$(dirname "$PP")" && pwd)/$(basename "$PP")
dir=$(mktemp -d "${TMPDIR:-/tmp}/ppredict-bench-ingest-XXXXXX")
pid=
trap 'if [ -n "$pid" ]; then kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; fi; rm -rf "$dir"' EXIT
cd "$dir"
"$PP" init . >/dev/null

start() { # ppredict serve options...
	rm -f url
	"$PP" serve --set server.listen=127.0.0.1:0 --set server.access_log=false --ready-file url \
		--set ingest.queue_bytes=256MiB "$@" ${BENCH_SERVER_ARGS:-} >>server.log 2>&1 &
	pid=$!
	for _ in $(seq 100); do [ -s url ] && break; sleep 0.05; done
	url=$(cat url)
}

stop() {
	kill "$pid"
	wait "$pid" 2>/dev/null || true
	pid=
}

one='{"ts":1433221332117,"visitor_id":"257597","event":"view","item_id":"355908","category_id":"1011","price":12.5}'
{
	echo 'wrk.method = "POST"'
	echo 'wrk.headers["Content-Type"] = "application/x-ndjson"'
	printf 'wrk.body = [==['
	for i in $(seq 500); do printf '%s\n' "$one"; done
	echo ']==]'
} > batch.lua
{
	echo 'wrk.method = "POST"'
	echo 'wrk.headers["Content-Type"] = "application/json"'
	printf 'wrk.body = [==[%s]==]\n' "$one"
} > single.lua
# events of many visitors, each request its own (what live features see in a shop)
cat > visitors.lua <<'EOF'
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-ndjson"
local n, per = 0, tonumber(os.getenv("PER_REQUEST") or "1")
request = function()
  local lines = {}
  for i = 1, per do
    n = n + 1
    lines[i] = string.format('{"ts":%d,"visitor_id":"v%d","event":"view","item_id":"i%d","category_id":"c%d","price":12.5}',
      1433221332117 + n, n % 200000, n % 5000, n % 300)
  end
  return wrk.format(nil, nil, nil, table.concat(lines, "\n") .. "\n")
end
EOF

run() { # name script connections -> prints wrk's summary figures
	wrk -t2 -c"$3" -d"${BENCH_SECONDS:-8}s" --latency -s "$2" "$url/v1/events" > "$1.txt"
	grep -q 'Non-2xx' "$1.txt" && { echo "$1: errors:"; cat "$1.txt"; exit 1; }
	rps=$(awk '/Requests\/sec/ {print $2}' "$1.txt")
	p50=$(awk '$1 == "50%" {print $2}' "$1.txt")
	p99=$(awk '$1 == "99%" {print $2}' "$1.txt")
}
ms='function ms(s) {
	if (s ~ /us$/) return substr(s, 1, length(s) - 2) / 1000
	if (s ~ /ms$/) return substr(s, 1, length(s) - 2) + 0
	if (s ~ /s$/) return substr(s, 1, length(s) - 1) * 1000
	return s }'

start --set features.live=false
run batched batch.lua 16
awk -v r="$rps" -v p50="$p50" -v p99="$p99" 'BEGIN {
	printf "%-46s %9.0f events/s  (%.0f req/s of 500, p50 %s, p99 %s)   goal >= 200000 events/s: %s\n",
	"ingest batched, durable, collector alone", r * 500, r, p50, p99, (r * 500 >= 200000 ? "met" : "NOT MET") }'
run single single.lua "${SINGLE_CONNECTIONS:-32}"
awk -v r="$rps" -v p50="$p50" -v p99="$p99" "$ms"'
	BEGIN {
	printf "%-46s %9.0f req/s     (p50 %s, p99 %s)   goal >= 30000 req/s, p99 <= 2 ms: %s\n",
	"ingest single events, durable, collector alone", r, p50, p99, (r >= 30000 && ms(p99) <= 2 ? "met" : "NOT MET") }'
stored=$(curl -s "$url/metrics" | awk '/^ppredict_events_accepted_total/ {print $2}')
fsyncs=$(curl -s "$url/metrics" | awk '/^ppredict_journal_fsync_seconds_count/ {print $2}')
echo "  (${stored} events stored with ${fsyncs} fsyncs: group commit)"
stop

start
PER_REQUEST=500 run live-batched visitors.lua 16
awk -v r="$rps" -v p50="$p50" -v p99="$p99" 'BEGIN {
	printf "%-46s %9.0f events/s  (%.1f req/s of 500, p50 %s, p99 %s)\n",
	"ingest batched, with live features (LMDB)", r * 500, r, p50, p99 }'
stop
# a store of its own, as the batched run left one ten times its size
start --set online_store.path=online-single.lmdb
PER_REQUEST=1 run live-single visitors.lua "${SINGLE_CONNECTIONS:-32}"
awk -v r="$rps" -v p50="$p50" -v p99="$p99" 'BEGIN {
	printf "%-46s %9.0f req/s     (p50 %s, p99 %s)\n", "ingest single events, with live features (LMDB)", r, p50, p99 }'
echo "  (live features: a request's events applied 256 to an online-store transaction, one event"
echo "   per request one each; each LMDB commit syncs, which bounds single events)"
stop
