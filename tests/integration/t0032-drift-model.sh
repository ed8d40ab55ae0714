#!/bin/bash
# ppredict drift --reference model: the training set's rows of the model's training
# window against a later week, over the model's features and its predictions; the
# simulator's drift is found in both, a week of the training window itself is not drift.
. "$PPREDICT_ROOT/tests/integration/lib.sh"
set -e

"$PP" init . >/dev/null
expect_exit 1 "$PP" drift --reference model --current 2015-05-24..2015-05-30
contains "$err" "no model in the lake (run \`ppredict train\`)"
expect_exit 0 "$PP" simulate --visitors 12000 --days 28 --seed 4 --drift-at 2015-05-24
expect_exit 0 "$PP" etl --no-warehouse
expect_exit 0 "$PP" features build
expect_exit 0 "$PP" train --json
v=$(jq -r .version <<<"$out")

expect_exit 0 "$PP" drift --reference model --current 2015-05-24..2015-05-30 --json
rep=$out
equals "$(jq -r .reference.table <<<"$rep")" "features/training_set" "reference table"
equals "$(jq -r .reference.from <<<"$rep")" "2015-05-03" "reference from the training window's start"
equals "$(jq '.columns | length' <<<"$rep")" "47" "46 features and the prediction"
equals "$(jq -r '.columns[-1].column' <<<"$rep")" "prediction" "the prediction column"
equals "$(jq .dataset_drift <<<"$rep")" "true" "dataset drift after --drift-at"

# a week inside the training window: the predictions have moved less
expect_exit 0 "$PP" drift --reference "model:$v" --current 2015-05-10..2015-05-16 --json
equals "$(jq '.columns[-1].drift_detected' <<<"$out")" "false" "predictions within the training window"
equals "$(jq .dataset_drift <<<"$out")" "false" "no dataset drift within the training window"
jq -e --argjson d "$rep" '$d.columns[-1].statistic > .columns[-1].statistic' <<<"$out" >/dev/null ||
	fail "the predictions move as much inside the training window: $(jq -c '.columns[-1]' <<<"$out") vs $(jq -c '.columns[-1]' <<<"$rep")"
expect_exit 1 "$PP" drift --reference model --current 2015-05-24..2015-05-30 --fail-on-drift
contains "$err" "drift gate"

expect_exit 1 "$PP" drift --reference model:19990101-000000-000 --current 2015-05-24..2015-05-30
contains "$err" "model 19990101-000000-000: no such version"
expect_exit 2 "$PP" drift --reference model --current 2015-05-24..2015-05-30 --columns s_events
contains "$err" "a model's reference compares the model's features"
done_ok
