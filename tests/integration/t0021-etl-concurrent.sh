#!/bin/bash
# Two ETL runs at once: the Delta commit lets one win; the other either ran after it or
# fails cleanly naming the conflict. Either way, one more run leaves every event once.
. "$PPREDICT_ROOT/tests/integration/lib.sh"
set -e

"$PP" init . >/dev/null
events=$("$PP" simulate --visitors 30000 --json | jq .events)
set +e
"$PP" etl >a.out 2>a.err &
a=$!
"$PP" etl >b.out 2>b.err
rc_b=$?
wait $a
rc_a=$?
set -e
for run in a b; do
	eval rc=\$rc_$run
	if [ "$rc" != 0 ]; then
		equals "$rc" "1" "exit code of the losing run"
		contains "$(cat $run.err)" "was committed by another writer; read the table again and retry"
	fi
done
[ "$rc_a" = 0 ] || [ "$rc_b" = 0 ] || fail "neither run committed: $(cat a.err b.err)"
expect_exit 0 "$PP" etl
row=$(duck "SELECT count(*) n, count(DISTINCT event_id) i FROM read_parquet([$(delta_files "$PWD/lake/processed/events")])")
equals "$(jq -c '[.n, .i]' <<<"$row")" "[\"$events\",\"$events\"]" "rows and ids after the race"
expect_exit 0 "$PP" lake fsck
done_ok
