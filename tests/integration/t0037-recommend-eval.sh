#!/bin/bash
# ppredict recommend eval: learned from the sessions before the test window only, it finds
# the items test sessions go on to cart or buy far more often than the popular items do.
. "$PPREDICT_ROOT/tests/integration/lib.sh"
set -e

"$PP" init . >/dev/null
expect_exit 1 "$PP" recommend eval
contains "$err" "processed/events"
expect_exit 0 "$PP" simulate --visitors 80000 --days 14 --seed 4
expect_exit 0 "$PP" etl --no-warehouse
expect_exit 0 "$PP" recommend eval --json
r=$out
jq -e '.targets > 100 and .sessions > 50 and .sessions <= .targets and .train_sessions > 1000 and .pairs > 0' \
	<<<"$r" >/dev/null || fail "eval: $r"
# better than popularity at every k, and more at a larger k
jq -e '[.k[] | .recall > .popular_recall and .hit_rate > .popular_hit_rate] | all' <<<"$r" >/dev/null ||
	fail "not better than the popular items: $r"
jq -e '.k[0].recall <= .k[1].recall and .k[1].recall <= .k[2].recall and .k[2].recall <= 1' <<<"$r" >/dev/null ||
	fail "recall does not grow with k: $r"
# the test window is the training split's: the last train.test_percent of the span
expect_exit 0 "$PP" recommend eval --json --set train.test_percent=40
jq -e --argjson a "$r" '.test_from < $a.test_from and .targets > $a.targets' <<<"$out" >/dev/null ||
	fail "a larger test window: $out"
expect_exit 0 "$PP" recommend eval
contains "$out" "recall@k"
done_ok
