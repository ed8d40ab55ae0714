#!/bin/bash
# A kill during the ETL leaves the previous table version intact; the next run completes
# the work, with every event once.
. "$PPREDICT_ROOT/tests/integration/lib.sh"
set -e

duck() { node "$ROOT/tests/node/duckdb-query.mjs" "$1"; }
live_count() {
	local t="$PWD/lake/processed/events" files
	files=$(cat "$t"/_delta_log/*.json | jq -rs '(map(select(.remove)) | map(.remove.path)) as $gone
		| map(select(.add)) | map(.add.path) | map(select(. as $p | $gone | index($p) | not)) | .[]' |
		sed "s|^|'$t/|; s|$|'|" | paste -sd, -)
	duck "SELECT count(*) n, count(DISTINCT event_id) i FROM read_parquet([$files])" | jq -r '"\(.n) \(.i)"'
}

"$PP" init . >/dev/null
first=$("$PP" simulate --visitors 10000 --json | jq .events)
expect_exit 0 "$PP" etl
equals "$(live_count)" "$first $first" "rows after the first run"
more=$("$PP" simulate --visitors 3000 --seed 4 --json | jq .events)
# killed half-way through writing the 3rd Parquet file of the second run
set +e
PPREDICT_CRASH_AT=write:3 "$PP" etl >/dev/null 2>&1
rc=$?
set -e
equals "$rc" "137" "the ETL was killed"
equals "$(ls lake/processed/events/_delta_log | wc -l)" "1" "commits after the kill"
equals "$(live_count)" "$first $first" "rows of the version before the kill"
# the next run does it all
expect_exit 0 "$PP" etl --json
equals "$(jq .version <<<"$out")" "1" "version after the rerun"
equals "$(live_count)" "$((first + more)) $((first + more))" "rows after the rerun"
# and the partial files the kill left are only leftovers
expect_exit 0 "$PP" lake fsck
done_ok
