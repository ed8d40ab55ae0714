#!/bin/bash
# A kill during the ETL leaves the previous table version intact; the next run completes
# the work, with every event once.
. "$PPREDICT_ROOT/tests/integration/lib.sh"
set -e

live_files() { delta_files "$PWD/lake/$1"; }
live_count() {
	duck "SELECT count(*) n, count(DISTINCT event_id) i FROM read_parquet([$(live_files processed/events)])" |
		jq -r '"\(.n) \(.i)"'
}

"$PP" init . >/dev/null
first=$("$PP" simulate --visitors 10000 --json | jq .events)
expect_exit 0 "$PP" etl
equals "$(live_count)" "$first $first" "rows after the first run"
more=$("$PP" simulate --visitors 3000 --seed 4 --json | jq .events)
# killed half-way through writing the 3rd Parquet file of the second run
expect_exit 137 env PPREDICT_CRASH_AT=write:3 "$PP" etl
equals "$(ls lake/processed/events/_delta_log | wc -l)" "1" "commits after the kill"
equals "$(live_count)" "$first $first" "rows of the version before the kill"
# the next run does it all
expect_exit 0 "$PP" etl --json
equals "$(jq .version <<<"$out")" "1" "version after the rerun"
equals "$(live_count)" "$((first + more)) $((first + more))" "rows after the rerun"
# and the partial files the kill left are only leftovers
expect_exit 0 "$PP" lake fsck

# killed between the events' commit and the funnel's: the next run rebuilds both
# the funnel's steps, and the same events counted in processed/events
funnel_views() {
	duck "SELECT sum(views + carts + purchases) n FROM read_parquet([$(live_files curated/agg_daily_funnel)])" |
		jq -r .n
}
funnel_events() {
	duck "SELECT count(*) n FROM read_parquet([$(live_files processed/events)])
		WHERE event <> 'removefromcart'" | jq -r .n
}
before=$(funnel_events)
equals "$(funnel_views)" "$before" "funnel events before the second kill"
last=$("$PP" simulate --visitors 2000 --seed 5 --json | jq .events)
expect_exit 137 env PPREDICT_CRASH_AT=etl-curated:1 "$PP" etl
equals "$(funnel_views)" "$before" "funnel of the version before"
expect_exit 0 "$PP" etl --json
equals "$(live_count)" "$((first + more + last)) $((first + more + last))" "rows after the second rerun"
after=$(funnel_events)
[ "$after" -gt "$before" ] || fail "no new funnel events: $before then $after"
equals "$(funnel_views)" "$after" "funnel events after the second rerun"

# killed before the history pass (dim_visitor and the rest are still the old ones): the
# next run rebuilds them from every event, once
visitors() {
	duck "SELECT count(*) n, sum(events) e FROM read_parquet([$(live_files curated/dim_visitor)])" |
		jq -r '"\(.n) \(.e)"'
}
old_visitors=$(visitors)
"$PP" simulate --visitors 1000 --seed 6 --json >/dev/null
expect_exit 137 env PPREDICT_CRASH_AT=etl-history:1 "$PP" etl
equals "$(visitors)" "$old_visitors" "dim_visitor of the version before"
expect_exit 0 "$PP" etl --json
total=$(duck "SELECT count(*) n, count(DISTINCT visitor_id) v FROM read_parquet([$(live_files processed/events)])" |
	jq -r '"\(.v) \(.n)"')
equals "$(visitors)" "$total" "dim_visitor: every visitor, every event once"
done_ok
