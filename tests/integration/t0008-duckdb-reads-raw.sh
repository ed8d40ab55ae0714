#!/bin/bash
# DuckDB, an independent reader, reads the raw zone's segments as they are (NDJSON in
# zstd, our summary frame skipped) and finds what ppredict says is there.
. "$PPREDICT_ROOT/tests/integration/lib.sh"
set -e


"$PP" init shop >/dev/null
cd shop
expect_exit 0 "$PP" simulate --visitors 20000 --json
events=$(jq .events <<<"$out")
tx=$(jq .by_type.transaction <<<"$out")
visitors=$(jq .visitors <<<"$out")
glob="$PWD/lake/raw/events/**/*.ndjson.zst"
row=$(duck "SELECT count(*) AS n, count(DISTINCT visitor_id) AS v,
	sum(CASE WHEN event = 'transaction' THEN 1 ELSE 0 END) AS t, min(ts) AS lo, max(ts) AS hi
	FROM read_json('$glob', format = 'newline_delimited', compression = 'zstd',
	columns = {ts: 'BIGINT', visitor_id: 'VARCHAR', event: 'VARCHAR', item_id: 'VARCHAR'})")
equals "$(jq -r .n <<<"$row")" "$events" "rows DuckDB reads"
equals "$(jq -r .t <<<"$row")" "$tx" "transactions DuckDB counts"
equals "$(jq -r .v <<<"$row")" "$visitors" "distinct visitors"
expect_exit 0 "$PP" lake ls --zone events --by hour --json
equals "$(jq -r .lo <<<"$row")" "$(jq -s 'map(.min_ts) | min' <<<"$out")" "first event"
equals "$(jq -r .hi <<<"$row")" "$(jq -s 'map(.max_ts) | max' <<<"$out")" "last event"

# and DuckDB's partition columns come from our hive-style paths
row=$(duck "SELECT count(DISTINCT (year, month, day, hour)) AS parts FROM read_json('$glob',
	format = 'newline_delimited', compression = 'zstd', hive_partitioning = true,
	columns = {ts: 'BIGINT'})")
equals "$(jq -r .parts <<<"$row")" "$(jq -s 'length' <<<"$out")" "hour partitions"

# the quarantine is readable too, with its reasons
printf 'timestamp,visitorid,event,itemid,transactionid\n1433221332117,,view,1,\n1433221332117,2,click,3,\n' > bad.csv
"$PP" import --format retailrocket bad.csv >/dev/null
row=$(duck "SELECT count(*) AS n, min(line) AS first FROM read_json('$PWD/lake/raw/quarantine/**/*.ndjson.zst',
	format = 'newline_delimited', compression = 'zstd')")
equals "$(jq -r .n <<<"$row")" "2" "quarantined rows"
equals "$(jq -r .first <<<"$row")" "2" "first quarantined line"
done_ok
