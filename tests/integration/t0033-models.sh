#!/bin/bash
# ppredict models: trained versions are candidates; the first promotion makes a champion,
# a candidate that does not beat it on the same test window is refused, --force overrides,
# rollback restores the one before, shuffled labels and a failed quality gate are refused;
# the history says who and why.
. "$PPREDICT_ROOT/tests/integration/lib.sh"
set -e

"$PP" init . >/dev/null
expect_exit 0 "$PP" models list
contains "$out" "no model yet"
expect_exit 1 "$PP" models promote
contains "$err" "no candidate model"
expect_exit 0 "$PP" simulate --visitors 6000 --days 21 --seed 8
expect_exit 0 "$PP" etl --no-warehouse
expect_exit 0 "$PP" features build
expect_exit 0 "$PP" check
expect_exit 0 "$PP" train --json
a=$(jq -r .version <<<"$out")
expect_exit 0 "$PP" models list --json
equals "$(jq -r .stage <<<"$out")" "candidate" "a trained model's stage"

expect_exit 0 "$PP" models promote --by alice --json
equals "$(jq -r .promoted <<<"$out")" "$a" "the newest candidate promoted"
contains "$(jq -r .why <<<"$out")" "the first champion"
expect_exit 1 "$PP" models promote "$a"
contains "$err" "is the champion already"

# the same data and seed: the same model, which does not beat the champion
expect_exit 0 "$PP" train --json
b=$(jq -r .version <<<"$out")
expect_exit 1 "$PP" models promote "$b"
contains "$err" "not promoted: $b scores test PR-AUC"
contains "$err" "the champion $a"
expect_exit 0 "$PP" models compare "$a" "$b" --json
equals "$(jq '.models[0].pr_auc == .models[1].pr_auc and .rows > 0' <<<"$out")" "true" "the same scores on the same rows"
expect_exit 0 "$PP" models promote "$b" --force --by bob
contains "$out" "$b is the champion (forced by hand); archived $a"
expect_exit 0 "$PP" models list --json
equals "$(jq -r 'select(.version == "'"$a"'") | .stage' <<<"$out")" "archived" "the old champion archived"
equals "$(jq -r 'select(.stage == "champion") | .version + " " + .promoted_by' <<<"$out")" "$b bob" "one champion, by bob"

expect_exit 0 "$PP" models rollback --by carol
contains "$out" "$a is the champion again"
expect_exit 0 "$PP" models show "$a"
equals "$(jq -r .stage <<<"$out")" "champion" "stage in show"
equals "$(jq -r '[.history[] | .stage + ":" + .by] | join(",")' <<<"$out")" \
	"champion:alice,archived:bob,champion:carol" "history"
jq -e '.features | length == 46' <<<"$out" >/dev/null || fail "show lacks meta.json"

# refused: labels shuffled; a failed error expectation
expect_exit 0 "$PP" train --shuffle-labels --json
s=$(jq -r .version <<<"$out")
expect_exit 1 "$PP" models promote "$s"
contains "$err" "trained on shuffled labels"
cat > strict.yaml <<'YAML'
expectation_suite_name: strict
table: processed/events
expectations:
  - expectation_type: expect_table_row_count_to_be_between
    kwargs: {max_value: 10}
YAML
expect_exit 1 "$PP" check strict.yaml
expect_exit 1 "$PP" models promote "$b"
contains "$err" "not promoted: quality gate"
expect_exit 1 "$PP" models show nope
contains "$err" "model nope: not in the registry"
done_ok
