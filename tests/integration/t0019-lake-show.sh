#!/bin/bash
# ppredict lake show: a Delta table's rows, as DuckDB reads them, at any version, as a
# text table, CSV or JSON; bad tables, versions and formats are refused clearly.
. "$PPREDICT_ROOT/tests/integration/lib.sh"
set -e

"$PP" init . >/dev/null
first=$("$PP" simulate --visitors 3000 --days 10 --json | jq .events)
expect_exit 0 "$PP" etl

# the funnel, every row, equals DuckDB's reading of the same files
expect_exit 0 "$PP" lake show curated/agg_daily_funnel -n 0 -f json
ours=$(jq -c '[.event_date, .views, .sessions, .purchase_sessions, .conversion]' <<<"$out")
theirs=$(duck "SELECT event_date, \"views\", sessions, purchase_sessions, conversion
	FROM read_parquet([$(delta_files "$PWD/lake/curated/agg_daily_funnel")], hive_partitioning = true)
	ORDER BY event_date" |
	jq -c '[.event_date, (.views | tonumber), (.sessions | tonumber), (.purchase_sessions | tonumber), .conversion]')
[ "$(wc -l <<<"$ours")" -ge 10 ] || fail "only $(wc -l <<<"$ours") funnel rows"
equals "$ours" "$theirs" "funnel rows, ours and DuckDB's"

# CSV: a header, then one line per row; the limit applies
expect_exit 0 "$PP" lake show processed/events -n 0 -f csv
equals "$(head -1 <<<"$out")" "ts,visitor_id,session_id,event,item_id,category_id,price,transaction_id,event_id,props,received_at,source_session_id,event_date" "CSV header"
equals "$(($(wc -l <<<"$out") - 1))" "$first" "CSV rows"
expect_exit 0 "$PP" lake show processed/events -n 5 -f csv
equals "$(wc -l <<<"$out")" "6" "CSV rows with --limit 5"

# the text table: headings, a rule, rows, and a footer naming the version
expect_exit 0 "$PP" lake show curated/agg_daily_funnel -n 3
contains "$(head -1 <<<"$out")" "views  carts  purchases" "text heading"
contains "$(sed -n 2p <<<"$out")" "-----  -----" "text rule"
contains "$out" "(curated/agg_daily_funnel, version 0; 3 rows, --limit reached)"

# time travel: version 0 keeps its rows after version 1 adds more
more=$("$PP" simulate --visitors 500 --seed 3 --days 2 --json | jq .events)
expect_exit 0 "$PP" etl
expect_exit 0 "$PP" lake show processed/events --version 0 -n 0 -f csv
equals "$(($(wc -l <<<"$out") - 1))" "$first" "rows at version 0"
expect_exit 0 "$PP" lake show processed/events -n 0 -f csv
equals "$(($(wc -l <<<"$out") - 1))" "$((first + more))" "rows at the latest version"

# refusals
expect_exit 1 "$PP" lake show processed/events --version 7
contains "$err" "has no version 7 (the latest is 1)"
expect_exit 1 "$PP" lake show processed/nothing
contains "$err" "processed/nothing is not a Delta table"
expect_exit 2 "$PP" lake show processed/events -f xml
contains "$err" "expected text, csv or json"
expect_exit 2 "$PP" lake show
expect_exit 1 "$PP" lake show ../outside
contains "$err" "outside"
# a damaged data file is named
for f in lake/curated/agg_daily_funnel/event_date=*/part-*.parquet; do printf 'garbage' > "$f"; done
expect_exit 1 "$PP" lake show curated/agg_daily_funnel -n 0
contains "$err" "curated/agg_daily_funnel/event_date="
done_ok
