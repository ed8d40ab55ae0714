#!/bin/bash
# bench_etl - raw -> processed -> curated -> warehouse for a simulated lake of
# RetailRocket's size (~2.75M events): `ppredict etl` (validate, deduplicate, sessionize,
# Parquet + Delta by date; fact_events, fact_sessions, agg_item_stats, the daily funnel,
# dim_visitor, dim_item, item_item; then every table into the SQLite warehouse) against
# DuckDB (npm) doing the same transformation on the same raw segments and storing the
# tables in its own database file, in the same run.
. "$(dirname "$0")/lib.sh"
bench_start etl
"$PP" simulate --visitors ${BENCH_VISITORS:-1250000} --no-catalog --duplicate-rate 0.005 --json > sim.json
events=$(jq .events sim.json)

# three runs, each on a fresh copy of the raw lake after the page cache settled: the
# median is reported (the machine is shared and noisy), with all three
cp -a lake lake.raw
times=""
for run in 1 2 3; do
	rm -rf lake
	cp -a lake.raw lake
	sync
	t0=$(now)
	"$PP" etl --json > etl.json
	t1=$(now)
	times="$times $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')"
done
ours=$(tr ' ' '\n' <<<"$times" | grep . | sort -n | sed -n 2p)

if [ -d "$ROOT/tests/node/node_modules/@duckdb" ]; then
	# the same work: processed events, one row per session, item stats, the daily funnel
	sql="CREATE TEMP TABLE p AS
	  WITH ev AS (SELECT * FROM read_json('$dir/lake/raw/events/**/*.ndjson.zst',
	      format = 'newline_delimited', compression = 'zstd', ignore_errors = true,
	      columns = {ts: 'BIGINT', visitor_id: 'VARCHAR', session_id: 'VARCHAR', event: 'VARCHAR',
	                 item_id: 'VARCHAR', category_id: 'VARCHAR', price: 'DOUBLE',
	                 transaction_id: 'VARCHAR', event_id: 'VARCHAR', received_at: 'BIGINT'})),
	  d AS (SELECT * FROM ev WHERE ts IS NOT NULL QUALIFY row_number() OVER (PARTITION BY event_id) = 1),
	  g AS (SELECT *, CASE WHEN ts - lag(ts) OVER (PARTITION BY visitor_id ORDER BY ts) <= 1800000
	                  THEN 0 ELSE 1 END AS starts FROM d),
	  s AS (SELECT *, sum(starts) OVER (PARTITION BY visitor_id ORDER BY ts ROWS UNBOUNDED PRECEDING) AS n FROM g)
	  SELECT * EXCLUDE (starts, n),
	         visitor_id || '-' || min(ts) OVER (PARTITION BY visitor_id, n) AS sid,
	         strftime(make_timestamp(ts * 1000), '%Y-%m-%d') AS event_date FROM s;
	COPY p TO '$dir/duck_out/events' (FORMAT PARQUET, PARTITION_BY (event_date), COMPRESSION ZSTD);
	CREATE TEMP TABLE fs AS SELECT event_date, sid, any_value(visitor_id) visitor_id, min(ts) start_ts,
	    max(ts) end_ts, max(ts) - min(ts) duration_ms, count(*) events,
	    count(*) FILTER (WHERE event = 'view') AS n_views, count(*) FILTER (WHERE event = 'addtocart') carts,
	    count(*) FILTER (WHERE event = 'removefromcart') removes,
	    count(*) FILTER (WHERE event = 'transaction') purchases, count(DISTINCT item_id) items,
	    coalesce(sum(price) FILTER (WHERE event = 'addtocart'), 0) cart_value,
	    bool_or(event = 'transaction') purchased
	  FROM p GROUP BY event_date, sid;
	COPY fs TO '$dir/duck_out/fact_sessions' (FORMAT PARQUET, PARTITION_BY (event_date), COMPRESSION ZSTD);
	COPY (SELECT event_date, sum(n_views) n_views, sum(carts) carts, sum(purchases) purchases,
	    count(DISTINCT visitor_id) visitors, count(*) sessions, count(*) FILTER (WHERE carts > 0) cart_sessions,
	    count(*) FILTER (WHERE purchased) purchase_sessions FROM fs GROUP BY event_date)
	  TO '$dir/duck_out/agg_daily_funnel' (FORMAT PARQUET, PARTITION_BY (event_date), COMPRESSION ZSTD);
	COPY (SELECT event_date, item_id, count(*) FILTER (WHERE event = 'view') n_views,
	    count(*) FILTER (WHERE event = 'addtocart') carts, count(*) FILTER (WHERE event = 'removefromcart') removes,
	    count(*) FILTER (WHERE event = 'transaction') purchases,
	    coalesce(sum(price) FILTER (WHERE event = 'transaction'), 0) revenue,
	    count(DISTINCT visitor_id) visitors, count(DISTINCT sid) sessions FROM p GROUP BY event_date, item_id)
	  TO '$dir/duck_out/agg_item_stats' (FORMAT PARQUET, PARTITION_BY (event_date), COMPRESSION ZSTD);
	COPY (SELECT ts, hour(make_timestamp(ts * 1000)) AS hour, sid AS session_id,
	    row_number() OVER (PARTITION BY event_date, sid ORDER BY ts) session_seq, visitor_id, item_id,
	    category_id, event, price, transaction_id, event_date FROM p)
	  TO '$dir/duck_out/fact_events' (FORMAT PARQUET, PARTITION_BY (event_date), COMPRESSION ZSTD);
	CREATE TEMP TABLE dv AS SELECT visitor_id, min(ts) first_seen, max(ts) last_seen,
	    count(DISTINCT event_date) active_days, count(DISTINCT sid) sessions, count(*) events,
	    count(*) FILTER (WHERE event = 'view') n_views, count(*) FILTER (WHERE event = 'addtocart') carts,
	    count(*) FILTER (WHERE event = 'removefromcart') removes,
	    count(*) FILTER (WHERE event = 'transaction') purchases,
	    coalesce(sum(price) FILTER (WHERE event = 'transaction'), 0) revenue,
	    min(ts) FILTER (WHERE event = 'transaction') first_purchase,
	    max(ts) FILTER (WHERE event = 'transaction') last_purchase FROM p GROUP BY visitor_id;
	COPY dv TO '$dir/duck_out/dim_visitor.parquet' (FORMAT PARQUET, COMPRESSION ZSTD);
	CREATE TEMP TABLE di AS SELECT item_id, arg_max(category_id, ts) category_id, min(ts) first_seen,
	    max(ts) last_seen, count(*) FILTER (WHERE event = 'view') n_views,
	    count(*) FILTER (WHERE event = 'addtocart') carts, count(*) FILTER (WHERE event = 'removefromcart') removes,
	    count(*) FILTER (WHERE event = 'transaction') purchases,
	    coalesce(sum(price) FILTER (WHERE event = 'transaction'), 0) revenue,
	    arg_max(price, ts) FILTER (WHERE price IS NOT NULL) last_price FROM p GROUP BY item_id;
	COPY di TO '$dir/duck_out/dim_item.parquet' (FORMAT PARQUET, COMPRESSION ZSTD);
	CREATE TEMP TABLE ii AS
	  WITH e AS (SELECT event_date, sid, item_id, min(ts) first_ts, bool_or(event = 'addtocart') c,
	      bool_or(event = 'transaction') b FROM p GROUP BY ALL),
	  r AS (SELECT * FROM e QUALIFY row_number() OVER (PARTITION BY event_date, sid ORDER BY first_ts, item_id) <= 50),
	  pr AS (SELECT a.item_id, b.item_id other_item_id, count(*) sessions, count(*) FILTER (WHERE a.c AND b.c) carted,
	      count(*) FILTER (WHERE a.b AND b.b) bought FROM r a JOIN r b ON a.event_date = b.event_date
	      AND a.sid = b.sid AND a.item_id <> b.item_id GROUP BY ALL)
	  SELECT *, row_number() OVER (PARTITION BY item_id ORDER BY sessions + 2 * carted + 4 * bought DESC,
	      other_item_id) AS rank FROM pr QUALIFY rank <= 20;
	COPY ii TO '$dir/duck_out/item_item.parquet' (FORMAT PARQUET, COMPRESSION ZSTD);
	ATTACH '$dir/duck_out/warehouse.duckdb' AS wh;
	CREATE TABLE wh.fact_events AS SELECT * FROM read_parquet('$dir/duck_out/fact_events/**/*.parquet', hive_partitioning = true);
	CREATE TABLE wh.fact_sessions AS SELECT * FROM fs;
	CREATE TABLE wh.dim_visitor AS SELECT * FROM dv;
	CREATE TABLE wh.dim_item AS SELECT * FROM di;
	CREATE TABLE wh.item_item AS SELECT * FROM ii;
	CREATE TABLE wh.agg_item_stats AS SELECT * FROM read_parquet('$dir/duck_out/agg_item_stats/**/*.parquet', hive_partitioning = true);
	CREATE TABLE wh.agg_daily_funnel AS SELECT * FROM read_parquet('$dir/duck_out/agg_daily_funnel/**/*.parquet', hive_partitioning = true);
	DETACH wh;
	SELECT (SELECT count(*) FROM p) AS Count"
	mkdir -p duck_out
	t0=$(now)
	node "$ROOT/tests/node/duckdb-query.mjs" "$sql" > duck.json
	t1=$(now)
	duck=$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')
	rows=$(jq -r .Count duck.json)
else
	duck=""
fi
# pandas (Debian's python3-pandas; `make bench` installs it): the same tables into SQLite,
# without the Parquet files (no pyarrow in Debian 12)
PY=/usr/bin/python3
if [ -x "$PY" ] && "$PY" -c 'import pandas, zstandard' 2>/dev/null; then
	"$PY" "$ROOT/bench/etl_pandas.py" "$dir/lake.raw/raw/events" "$dir/pandas.sqlite" > pandas.json
	pandas=$(jq .seconds pandas.json)
else
	pandas=""
fi
awk -v e="$events" -v o="$ours" -v t="$times" -v d="$duck" -v pd="$pandas" -v r="${rows:-}" -v w="$(jq .rows_written etl.json)" 'BEGIN {
	printf "%-34s %9.2f s  (median of%s s; %d events, %.0f events/s, %d rows written)\n", "etl raw -> curated -> SQLite", o, t, e, e / o, w
	printf "%-34s %9s    goal: <= 10 s end to end: %s\n", "", "", (o <= 10 ? "met" : "NOT MET")
	if (d != "") {
		printf "%-34s %9.2f s  (%d rows written)\n", "same in DuckDB (npm, same run)", d, r
		printf "%-34s %9.2fx   goal: at least as fast as DuckDB: %s\n", "DuckDB time / ppredict time", d / o, (d / o >= 1 ? "met" : "NOT MET")
	}
	if (pd != "") {
		printf "%-34s %9.2f s  (the tables into SQLite, no Parquet)\n", "same in pandas (same run)", pd
		printf "%-34s %9.2fx\n", "pandas time / ppredict time", pd / o
	} else {
		printf "%-34s %9s    (python3-pandas not installed; `make bench` installs it)\n", "pandas", "-"
	}
}'
