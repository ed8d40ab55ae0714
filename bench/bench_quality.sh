#!/bin/bash
# bench_quality - data quality on a simulated lake of RetailRocket's size (~2.75M events):
# every shipped expectation suite (`ppredict check`: 9 tables), the processed/events suite
# alone beside the same checks as SQL in DuckDB (npm) on the same files, drift of a
# week against two (processed/events, curated/fact_sessions), bot detection; then the
# false-alarm rate of the drift tests over simulated shops without drift, seed by seed.
. "$(dirname "$0")/lib.sh"
bench_start quality
"$PP" simulate --visitors ${BENCH_VISITORS:-1250000} --drift-at 2015-05-26 --json > sim.json
events=$(jq .events sim.json)
"$PP" etl --no-warehouse >/dev/null

check_all=$(median3 "$PP" check --now 2015-06-02)
rows_all=$("$PP" check --now 2015-06-02 --json | jq '[.suites[].meta.batch_spec.rows] | add')
exps=$("$PP" check --now 2015-06-02 --json | jq .statistics.evaluated_expectations)
check_events=$(median3 "$PP" check processed/events --now 2015-06-02)
drift_events=$(median3 "$PP" drift --reference processed/events:2015-05-12..2015-05-25 --current 2015-05-26..2015-06-01)
drift_sessions=$(median3 "$PP" drift --reference curated/fact_sessions:2015-05-12..2015-05-25 --current 2015-05-26..2015-06-01)
outliers=$(median3 "$PP" outliers)
bots=$("$PP" outliers --json | jq -r '"precision \(.simulator_truth.precision), recall \(.simulator_truth.recall), \(.simulator_truth.bots) bots"')

duck=""
if [ -d "$ROOT/tests/node/node_modules/@duckdb" ]; then
	# the processed/events suite as SQL over the same Parquet files: nulls, the event set,
	# time and price bounds, duplicate event ids, the date pattern, the newest event
	files=$(cat lake/processed/events/_delta_log/*.json | jq -r 'select(.add) | .add.path' |
		sed "s|^|'$dir/lake/processed/events/|; s|$|'|" | paste -sd,)
	sql="SELECT count(*) n, count(*) - count(ts) ts_null, count(*) - count(visitor_id) v_null,
	  count(*) - count(session_id) s_null, count(*) - count(item_id) i_null,
	  count(*) FILTER (WHERE event NOT IN ('view', 'addtocart', 'removefromcart', 'transaction')) bad_event,
	  count(*) FILTER (WHERE ts < TIMESTAMP '2000-01-01' OR ts > TIMESTAMP '2100-01-01') bad_ts,
	  count(event_id) - count(DISTINCT event_id) dup_ids,
	  count(*) FILTER (WHERE price < 0 OR price > 1000000) bad_price,
	  count(*) FILTER (WHERE NOT regexp_full_match(CAST(event_date AS VARCHAR), '[0-9]{4}-[0-9]{2}-[0-9]{2}')) bad_date,
	  max(ts) newest FROM read_parquet([$files], hive_partitioning = true)"
	t0=$(now)
	node "$ROOT/tests/node/duckdb-query.mjs" "$sql" > duck.json
	t1=$(now)
	duck=$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')
fi

# false alarms: shops without drift, week 2 against week 1 (the p-value tests on 500-row
# samples; distances on all rows), seed by seed
seeds=${BENCH_SEEDS:-20}
alarms=0 tested=0 dataset_alarms=0
mkdir fa && cd fa
for seed in $(seq 1 "$seeds"); do
	rm -rf lake
	"$PP" init . >/dev/null 2>&1 || true
	"$PP" simulate --visitors 20000 --days 14 --seed "$seed" >/dev/null
	"$PP" etl --no-warehouse >/dev/null
	r=$("$PP" drift --reference processed/events:2015-05-03..2015-05-09 --current 2015-05-10..2015-05-16 --sample 500 --seed "$seed" --json)
	alarms=$((alarms + $(jq .number_of_drifted_columns <<<"$r")))
	tested=$((tested + $(jq .number_of_columns <<<"$r")))
	r=$("$PP" drift --reference curated/fact_sessions:2015-05-03..2015-05-09 --current 2015-05-10..2015-05-16 --sample 500 --seed "$seed" --json)
	alarms=$((alarms + $(jq .number_of_drifted_columns <<<"$r")))
	tested=$((tested + $(jq .number_of_columns <<<"$r")))
	r=$("$PP" drift --reference processed/events:2015-05-03..2015-05-09 --current 2015-05-10..2015-05-16 --json)
	dataset_alarms=$((dataset_alarms + $(jq '.dataset_drift | if . then 1 else 0 end' <<<"$r")))
done
cd ..

awk -v e="$events" -v a="$check_all" -v r="$rows_all" -v x="$exps" -v ce="$check_events" -v d="$duck" \
	-v de="$drift_events" -v ds="$drift_sessions" -v o="$outliers" -v b="$bots" \
	-v al="$alarms" -v te="$tested" -v da="$dataset_alarms" -v s="$seeds" 'BEGIN {
	printf "%-40s %8.2f s  (%d expectations over 9 tables, %d rows; a lake of %d events)\n", "check: every shipped suite", a, x, r, e
	printf "%-40s %8.2f s  (11 expectations, %d rows, %.1fM rows/s)\n", "check: processed/events", ce, e, e / ce / 1e6
	if (d != "") {
		printf "%-40s %8.2f s  (the same checks as one SQL query, same run)\n", "same in DuckDB (npm)", d
		printf "%-40s %8.2fx\n", "DuckDB time / ppredict time", d / ce
	}
	printf "%-40s %8.2f s\n", "drift: processed/events, week vs 2 weeks", de
	printf "%-40s %8.2f s\n", "drift: curated/fact_sessions, same", ds
	printf "%-40s %8.2f s  (%s)\n", "outliers: bots among all visitors", o, b
	printf "%-40s %7.1f %%  (%d of %d column tests, p < 0.05 on 500-row samples, %d seeds; nominal 5%%)\n", "drift false alarms, no drift simulated", 100 * al / te, al, te, s
	printf "%-40s %8d    of %d seeds (distances on all rows)\n", "dataset drift reported, no drift", da, s
}'
