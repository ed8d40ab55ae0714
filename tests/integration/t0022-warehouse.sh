#!/bin/bash
# The warehouse: `ppredict etl` loads the curated tables into SQLite; sqlite3 and DuckDB
# agree with it; a kill during a load leaves the old tables; the same load into a real
# PostgreSQL (started here) gives the same rows, table by table; `ppredict sql` errors.
. "$PPREDICT_ROOT/tests/integration/lib.sh"
set -e

tables="dim_date dim_visitor dim_item fact_events fact_sessions agg_daily_funnel agg_item_stats item_item"
"$PP" init . >/dev/null
expect_exit 0 "$PP" simulate --visitors 5000 --days 5 --duplicate-rate 0.01 --json
events=$(jq .events <<<"$out")
expect_exit 0 "$PP" etl --json
equals "$(jq .warehouse_tables <<<"$out")" "8" "tables loaded by etl"
[ -s lake/warehouse.db ] || fail "no lake/warehouse.db"

# an independent reader of the file: sqlite3; and DuckDB reading the Delta tables
for t in $tables; do
	theirs=$(duck "SELECT count(*) n FROM read_parquet([$(delta_files "$PWD/lake/curated/$t")])" | jq -r .n)
	equals "$(sqlite3 lake/warehouse.db "SELECT count(*) FROM $t")" "$theirs" "$t rows in SQLite"
done
equals "$(sqlite3 lake/warehouse.db "SELECT count(*) FROM fact_events")" "$events" "fact_events rows"
equals "$(sqlite3 lake/warehouse.db "SELECT group_concat(table_name || ':' || delta_version) FROM
	(SELECT * FROM ppredict_loads ORDER BY table_name)")" \
	"agg_daily_funnel:0,agg_item_stats:0,dim_date:0,dim_item:0,dim_visitor:0,fact_events:0,fact_sessions:0,item_item:0" \
	"versions recorded"

# the funnel from the warehouse is the funnel of the lake, value for value
expect_exit 0 "$PP" sql -f csv "SELECT * FROM agg_daily_funnel ORDER BY event_date"
from_sql=$out
expect_exit 0 "$PP" lake show curated/agg_daily_funnel -n 0 -f csv
equals "$from_sql" "$out" "funnel: warehouse and lake"
expect_exit 0 "$PP" sql -f json "SELECT item_id, available, first_seen, category_depth FROM dim_item WHERE first_seen IS NOT NULL ORDER BY item_id LIMIT 1"
jq -e '(.available | type) == "boolean" and (.category_depth | type) == "number" and (.first_seen | test("^2015-05-0[0-9] [0-9]{2}:[0-9]{2}:[0-9]{2}[.][0-9]{3}$"))' <<<"$out" >/dev/null ||
	fail "typed JSON cells: $out"

# nothing changed: nothing reloaded
expect_exit 0 "$PP" etl --json
equals "$(jq .warehouse_tables <<<"$out")" "0" "tables reloaded without changes"

# new data, and a kill before the first table's commit: the old tables stay whole
expect_exit 0 "$PP" simulate --visitors 500 --days 2 --start 2015-05-08 --seed 5 --json
more=$(jq .events <<<"$out")
expect_exit 0 "$PP" etl --no-warehouse
expect_exit 137 env PPREDICT_CRASH_AT=warehouse-load:4 "$PP" warehouse load
equals "$(sqlite3 lake/warehouse.db "SELECT count(*) FROM fact_events")" "$events" "fact_events after a killed load"
expect_exit 0 "$PP" warehouse load --json
equals "$(jq -c "[.tables_loaded, .tables_current]" <<<"$out")" "[5,3]" "tables loaded after the kill (three committed before it)"
equals "$(sqlite3 lake/warehouse.db "SELECT count(*) FROM fact_events")" "$((events + more))" "fact_events after the load"

# the warehouse unreachable: the lake still commits, the run says so, the next one loads
expect_exit 0 "$PP" simulate --visitors 200 --days 1 --start 2015-05-10 --seed 8 --json
expect_exit 1 "$PP" etl --set warehouse.url=postgresql://nobody@127.0.0.1:1/x
contains "$err" "the lake's tables are committed; loading the warehouse failed"
expect_exit 0 "$PP" etl --json
equals "$(jq -c '[.segments, .warehouse_tables]' <<<"$out")" "[0,8]" "nothing new in the lake, the warehouse caught up"
equals "$(sqlite3 lake/warehouse.db "SELECT count(*) FROM fact_events")" \
	"$(duck "SELECT count(*) n FROM read_parquet([$(delta_files "$PWD/lake/curated/fact_events")])" | jq -r .n)" \
	"fact_events after catching up"

# errors name what is wrong
expect_exit 1 "$PP" sql "SELEC 1"
contains "$err" "warehouse.db"
contains "$err" "syntax error"
expect_exit 1 "$PP" sql "SELECT 1; SELECT 2"
contains "$err" "one statement at a time"
expect_exit 1 "$PP" sql "SELECT * FROM no_such_table"
contains "$err" "no such table: no_such_table"
expect_exit 2 "$PP" sql -f xml "SELECT 1"
contains "$err" "--format"
expect_exit 1 "$PP" sql --set warehouse.url=postgresql://nobody:secret@127.0.0.1:1/x "SELECT 1"
contains "$err" "connecting"
not_contains "$err" "secret"

# PostgreSQL: the same DDL and COPY; every table's rows equal SQLite's, cell for cell
start_postgres
expect_exit 0 "$PP" warehouse load --set "warehouse.url=$PG_URL" --json
equals "$(jq .tables_loaded <<<"$out")" "8" "tables loaded into PostgreSQL"
for t in $tables; do
	expect_exit 0 "$PP" sql -f csv "SELECT * FROM $t LIMIT 0"
	order=$(seq -s, 1 "$(head -1 <<<"$out" | tr ',' '\n' | wc -l)")
	expect_exit 0 "$PP" sql -f csv "SELECT * FROM $t ORDER BY $order"
	lite=$out
	expect_exit 0 "$PP" sql --set "warehouse.url=$PG_URL" -f csv "SELECT * FROM $t ORDER BY $order"
	[ "$lite" = "$out" ] || fail "$t differs between SQLite and PostgreSQL: $(diff <(echo "$lite") <(echo "$out") | head -5)"
	[ "$(wc -l <<<"$out")" -gt 1 ] || fail "$t is empty"
	checks=$((checks + 1))
done
q="SELECT table_name, delta_version, row_count FROM ppredict_loads ORDER BY 1"
expect_exit 0 "$PP" sql -f csv "$q"
lite=$out
expect_exit 0 "$PP" sql --set "warehouse.url=$PG_URL" -f csv "$q"
equals "$out" "$lite" "what was loaded, on both"
# an aggregate prints the same on both
q="SELECT event_date, sum(purchases) AS purchases, count(*) AS sessions FROM fact_sessions GROUP BY event_date ORDER BY event_date"
expect_exit 0 "$PP" sql -f csv "$q"
lite=$out
expect_exit 0 "$PP" sql --set "warehouse.url=$PG_URL" -f csv "$q"
equals "$out" "$lite" "an aggregate on both"
expect_exit 0 "$PP" warehouse load --set "warehouse.url=$PG_URL" --json
equals "$(jq .tables_current <<<"$out")" "8" "PostgreSQL tables already current"
done_ok
