#!/bin/sh
# make demo: the whole system on its embedded defaults, in ./demo/.
# Today: a simulated shop of about 1M events (with a little dirt and a behaviour shift in
# the last week) stored in the lake's raw zone, listed, turned into the processed/events
# Delta table by the ETL, and summarised.
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
echo "== ETL: raw zone -> processed/events, curated/fact_sessions, curated/agg_daily_funnel (Delta Lake)"
"$PP" -c "$CFG" etl

echo
echo "== the daily funnel, first week (curated/agg_daily_funnel)"
"$PP" -c "$CFG" lake show curated/agg_daily_funnel -n 7

echo
echo "== a few events as stored (NDJSON in zstd segments)"
"$PP" -c "$CFG" lake cat -n 3

echo
echo "== summary"
segments=$(find "$DIR/lake/raw/events" -name 'part-*.ndjson.zst' | wc -l)
bytes=$(du -sh "$DIR/lake/raw" | cut -f1)
echo "lake:        $DIR/lake ($segments event segments, $bytes on disk)"
echo "truth:       $(ls "$DIR"/lake/_meta/simulate/truth-*.csv) (each session's purchase propensity)"
echo "tables:      $DIR/lake/processed/events, $DIR/lake/processed/quarantine,"
echo "             $DIR/lake/curated/{fact_sessions,agg_item_stats,agg_daily_funnel} (Delta Lake)"
echo "config:      $CFG"
echo "try:         $PP -c $CFG lake ls --by hour --from 2015-05-26"
echo "             $PP -c $CFG lake show processed/events -n 5 -f json"
echo "             $PP -c $CFG simulate --format retailrocket --out $DIR/rr/events.csv"
echo "             $PP -c $CFG import --format retailrocket $DIR/rr/events.csv"
