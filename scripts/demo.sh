#!/bin/sh
# make demo: the whole system on its embedded defaults, in ./demo/.
# Today: a simulated shop of about 1M events (with a little dirt and a behaviour shift in
# the last week) stored in the lake's raw zone, listed, turned by the ETL into Delta
# tables (processed events and the curated star schema) and the SQLite warehouse, checked,
# turned into features and a model, and queried.
set -eu
PP=${1:-build/ppredict}
DIR=${DEMO_DIR:-demo}

echo "== ppredict demo in ./$DIR"
rm -rf "$DIR"
"$PP" init "$DIR" >/dev/null
CFG="$DIR/ppredict.yaml"

echo
echo "== simulate a shop: 30 days from 2015-05-03, drift from 2015-05-26"
"$PP" -c "$CFG" simulate --seed 42 --malformed-rate 0.001 --duplicate-rate 0.001 \
	--late-rate 0.005 --drift-at 2015-05-26 --progress

echo
echo "== the raw zone (last days; 'ppredict -c $CFG lake ls' shows all)"
"$PP" -c "$CFG" lake ls --by day > "$DIR/lake-ls.txt"
head -1 "$DIR/lake-ls.txt"
grep '^events  *[0-9]\{4\}-' "$DIR/lake-ls.txt" | tail -4
echo "..."
sed -n '/^$/,$p' "$DIR/lake-ls.txt"

echo
echo "== ETL: raw zone -> processed/events -> curated star schema (Delta Lake) -> warehouse (SQLite)"
"$PP" -c "$CFG" etl

echo
echo "== data quality: every table against the expectation suite that ships for it"
# freshness is measured at the end of the simulated month, not today
"$PP" -c "$CFG" check --now 2015-06-02T01:00:00Z

echo
echo "== drift: the last week (the simulator drifts from 2015-05-26) against the two before"
"$PP" -c "$CFG" drift --reference processed/events:2015-05-12..2015-05-25 --current 2015-05-26..2015-06-01

echo
echo "== bots: visitors who browse like machines (kept in the lake, left out of training)"
"$PP" -c "$CFG" outliers

echo
echo "== features: the training set (one row per prediction point, every feature as of it)"
"$PP" -c "$CFG" features list
"$PP" -c "$CFG" features build

echo
echo "== a model: XGBoost candidates on the first weeks, chosen on the next days, tested on the last"
"$PP" -c "$CFG" train
"$PP" -c "$CFG" models promote --by demo

echo
echo "== the online store: the views' values as of the last event (LMDB; Redis when configured)"
"$PP" -c "$CFG" materialize

echo
echo "== the daily funnel, from the warehouse"
"$PP" -c "$CFG" sql "SELECT event_date, \"views\", carts, purchases, sessions, cart_sessions,
	purchase_sessions, round(100 * conversion, 2) AS conversion_pct
	FROM agg_daily_funnel ORDER BY event_date"

echo
echo "== bought together (curated/item_item, from the warehouse)"
"$PP" -c "$CFG" sql "SELECT i.item_id, i.other_item_id, i.sessions, i.bought, d.category_path
	FROM item_item i JOIN dim_item d ON d.item_id = i.other_item_id
	WHERE i.rank = 1 ORDER BY i.bought DESC, i.sessions DESC, i.item_id LIMIT 5"

echo
echo "== a few events as stored (NDJSON in zstd segments)"
"$PP" -c "$CFG" lake cat -n 3

echo
echo "== summary"
segments=$(find "$DIR/lake/raw/events" -name 'part-*.ndjson.zst' | wc -l)
bytes=$(du -sh "$DIR/lake/raw" | cut -f1)
echo "lake:        $DIR/lake ($segments event segments, $bytes on disk)"
echo "truth:       $(ls "$DIR"/lake/_meta/simulate/truth-*.csv) (each session's purchase propensity)"
echo "tables:      $DIR/lake/processed/{events,quarantine}, $DIR/lake/curated/{dim_date,"
echo "             dim_visitor,dim_item,fact_events,fact_sessions,agg_daily_funnel,agg_item_stats,"
echo "             item_item} (Delta Lake)"
echo "warehouse:   $DIR/lake/warehouse.db (SQLite; warehouse.url can be a postgresql:// URL)"
echo "quality:     $DIR/lake/_meta/quality/checks/latest.json (Great Expectations' validation-result shape)"
echo "features:    $DIR/lake/features/training_set (Delta) and training_set.matrix (float32 for the trainer)"
echo "config:      $CFG"
echo "try:         $PP -c $CFG lake ls --by hour --from 2015-05-26"
echo "             $PP -c $CFG lake show processed/events -n 5 -f json"
echo "             $PP -c $CFG sql -f csv \"SELECT * FROM dim_visitor ORDER BY revenue DESC LIMIT 10\""
echo "             $PP -c $CFG check --print-suite fact_sessions > my-suite.yaml"
echo "             $PP -c $CFG simulate --format retailrocket --out $DIR/rr/events.csv"
echo "             $PP -c $CFG import --format retailrocket $DIR/rr/events.csv"

echo
echo "== recommendations: learned from the weeks before the test window, tested on it"
"$PP" -c "$CFG" recommend eval

echo
echo "== the server: predictions, recommendations, event search and the dashboard"
# a server of an earlier demo run is stopped first; then 8080, or a free port when taken
if [ -f "$DIR/serve.pid" ] && kill -0 "$(cat "$DIR/serve.pid")" 2>/dev/null; then
	kill "$(cat "$DIR/serve.pid")" && sleep 1
fi
rm -f "$DIR/serve.url"
for listen in 127.0.0.1:8080 127.0.0.1:0; do
	nohup "$PP" -c "$CFG" serve --set server.listen=$listen --set server.access_log=false \
		--ready-file "$DIR/serve.url" >"$DIR/serve.log" 2>&1 &
	echo $! >"$DIR/serve.pid"
	for _ in $(seq 100); do
		[ -s "$DIR/serve.url" ] && break
		kill -0 "$(cat "$DIR/serve.pid")" 2>/dev/null || break
		sleep 0.1
	done
	[ -s "$DIR/serve.url" ] && break
done
if [ -s "$DIR/serve.url" ]; then
	url=$(cat "$DIR/serve.url")
	# the shop's last event: its session, visitor and item, and its time (the data's "now")
	last=$("$PP" -c "$CFG" sql -f csv "SELECT session_id, visitor_id, item_id, ts FROM fact_events
		ORDER BY ts DESC LIMIT 1" | tail -1)
	body=$(echo "$last" | awk -F, '{ sub(" ", "T", $4); printf "{\"session_id\":\"%s\",\"visitor_id\":\"%s\",\"item_id\":\"%s\",\"at\":\"%sZ\",\"explain\":true}", $1, $2, $3, $4 }')
	echo "dashboard:   $url/   (Live, Predict, Model, Data, Pipeline)"
	echo "API:         $url/openapi.json"
	echo "predict:     curl -s -H 'Content-Type: application/json' -d '$body' $url/v1/predict"
	echo "server log:  $DIR/serve.log; stop it with: kill $(cat "$DIR/serve.pid")"
else
	echo "the server did not start: $(tail -3 "$DIR/serve.log")"
	exit 1
fi
