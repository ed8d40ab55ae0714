#!/bin/sh
# make demo: the whole system on its embedded defaults, in ./demo/ (`ppredict demo`): a
# simulated shop of about 1M events (a little dirt, a change of behaviour in the last week),
# the pipeline end to end, drift and bots, then the server with its scheduler and a live
# stream of the shop's events left running; a summary with each stage's time. Then a few
# queries of the warehouse, to show what is there.
set -eu
PP=${1:-build/ppredict}
DIR=${DEMO_DIR:-demo}

# what an earlier demo left running is stopped, its directory made anew
for f in "$DIR/serve.pid" "$DIR/stream.pid"; do
	if [ -f "$f" ] && kill -0 "$(cat "$f")" 2>/dev/null; then
		kill "$(cat "$f")" || true
	fi
done
sleep 1
rm -rf "$DIR"

"$PP" demo --dir "$DIR"
CFG="$DIR/ppredict.yaml"

echo
echo "== the daily funnel, from the warehouse (SQLite; warehouse.url can be PostgreSQL or Redshift)"
"$PP" -c "$CFG" sql "SELECT event_date, \"views\", carts, purchases, sessions,
	round(100 * conversion, 2) AS conversion_pct FROM agg_daily_funnel ORDER BY event_date DESC LIMIT 7"

echo
echo "== bought together (curated/item_item)"
"$PP" -c "$CFG" sql "SELECT i.item_id, i.other_item_id, i.sessions, i.bought, d.category_path
	FROM item_item i JOIN dim_item d ON d.item_id = i.other_item_id
	WHERE i.rank = 1 ORDER BY i.bought DESC, i.sessions DESC, i.item_id LIMIT 5"

echo
echo "try:         $PP -c $CFG pipeline status"
echo "             $PP -c $CFG lake ls --by day --from 2015-05-26"
echo "             $PP -c $CFG sql -f csv \"SELECT * FROM dim_visitor ORDER BY revenue DESC LIMIT 10\""
echo "             $PP -c $CFG check --print-suite fact_sessions > my-suite.yaml"
echo "             $PP demo --dir my-shop --import retailrocket events.csv   (your own data)"
echo "dashboard:   $(cat "$DIR/serve.url")/"
