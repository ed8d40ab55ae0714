#!/bin/bash
# ppredict lake vacuum: deletes only files the log removed longer ago than the retention,
# and files it never mentions once old enough; the latest version reads the same before
# and after; a dry run deletes nothing.
. "$PPREDICT_ROOT/tests/integration/lib.sh"
set -e

on_disk() { find lake/processed/events -name 'part-*.parquet' | wc -l; }
rows() { "$PP" lake show processed/events -n 0 -f csv | wc -l; }

"$PP" init . >/dev/null
"$PP" simulate --visitors 2000 --days 5 >/dev/null
expect_exit 0 "$PP" etl
"$PP" simulate --visitors 500 --days 2 --seed 8 >/dev/null
expect_exit 0 "$PP" etl --json
rewritten=$(jq .partitions <<<"$out")
[ "$rewritten" -ge 1 ] || fail "no dates rewritten"
before_files=$(on_disk)
before_rows=$(rows)
live=$(delta_files "$PWD/lake/processed/events" | tr ',' '\n' | wc -l)
equals "$before_files" "$((live + rewritten))" "files on disk: live ones plus the replaced ones"

# within the retention: nothing goes
expect_exit 0 "$PP" lake vacuum processed/events --json
equals "$(jq -c '[.deleted, .retained]' <<<"$out")" "[0,$rewritten]" "vacuum with the default retention"
# a dry run counts but deletes nothing
expect_exit 0 "$PP" lake vacuum processed/events --retain-hours 0 --dry-run --json
equals "$(jq .deleted <<<"$out")" "$rewritten" "files a dry run would delete"
equals "$(on_disk)" "$before_files" "files after the dry run"
# retention 0: the replaced files go, the table reads the same
expect_exit 0 "$PP" lake vacuum processed/events --retain-hours 0
contains "$out" "processed/events: deleted $rewritten files"
equals "$(on_disk)" "$live" "files after the vacuum"
equals "$(rows)" "$before_rows" "rows of the latest version after the vacuum"
equals "$(duck "SELECT count(*) n FROM read_parquet([$(delta_files "$PWD/lake/processed/events")])" | jq -r .n)" \
	"$((before_rows - 1))" "rows DuckDB reads after the vacuum"
# again: nothing left to do
expect_exit 0 "$PP" lake vacuum processed/events --retain-hours 0 --json
equals "$(jq .deleted <<<"$out")" "0" "a second vacuum"

# files the log never mentions (what a writer killed before its commit leaves): those older
# than the retention and than an hour go; a younger one, perhaps a running writer's, stays
some=$(find lake/processed/events -name 'part-*.parquet' | head -1)
old="$(dirname "$some")/part-killed-old.zstd.parquet"
new="$(dirname "$some")/part-killed-new.zstd.parquet"
cp "$some" "$old"
touch -d '3 hours ago' "$old"
cp "$some" "$new"
expect_exit 0 "$PP" lake vacuum processed/events --json
equals "$(jq -c '[.deleted, .pending]' <<<"$out")" "[0,2]" "unmentioned files within the default retention"
expect_exit 0 "$PP" lake vacuum processed/events --retain-hours 2 --dry-run --json
equals "$(jq -c '[.deleted, .never_committed, .pending]' <<<"$out")" "[1,1,1]" "a dry run over unmentioned files"
[ -e "$old" ] || fail "a dry run deleted $old"
expect_exit 0 "$PP" lake vacuum processed/events --retain-hours 0
contains "$out" "deleted 1 files"
contains "$out" "1 of them never committed"
[ ! -e "$old" ] || fail "$old was kept"
[ -e "$new" ] || fail "$new (younger than an hour) was deleted"
equals "$(rows)" "$before_rows" "rows of the latest version after removing unmentioned files"

expect_exit 1 "$PP" lake vacuum processed/none
contains "$err" "processed/none is not a Delta table"
expect_exit 2 "$PP" lake vacuum processed/events --retain-hours -1
done_ok
