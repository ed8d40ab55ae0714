#!/bin/bash
# ppredict train --label COL FILE.csv|.parquet: the trainer on a table of one's own, here the layout
# of the UCI Online Shoppers Purchasing Intention data (made up, same columns and kinds):
# text columns become codes, TRUE/FALSE 1/0, a random split without a time column, a time
# split with one, groups kept together; bad files and arguments are named errors.
. "$PPREDICT_ROOT/tests/integration/lib.sh"
set -e

"$PP" init . >/dev/null
/usr/bin/python3 "$PPREDICT_ROOT/tests/python/make_shoppers.py" 5000 3 > shoppers.csv
expect_exit 0 "$PP" train --label Revenue shoppers.csv --json
meta=$out
equals "$(jq '.features | length' <<<"$meta")" "17" "every column but the label is a feature"
equals "$(jq -r '.features | index("Month") != null and index("Revenue") == null' <<<"$meta")" "true" "features"
equals "$(jq -r .split <<<"$meta")" "random (seeded)" "a random split without a time column"
equals "$(jq '.rows.train + .rows.valid + .rows.test' <<<"$meta")" "5000" "every row in one window"
equals "$(jq -r .quality_gate <<<"$meta")" "not applicable (a file of one's own)" "no lake gate for a file"
jq -e '.metrics_test.roc_auc > 0.65' <<<"$meta" >/dev/null || fail "nothing learned: $(jq -c .metrics_test <<<"$meta")"
v=$(jq -r .version <<<"$meta")
equals "$(jq -r '.learner.learner_model_param.num_feature' "lake/models/$v/model.json")" "17" "the model's features"
# the same seed, the same split and model
expect_exit 0 "$PP" train --label Revenue shoppers.csv --json
equals "$(jq .metrics_test.roc_auc <<<"$out")" "$(jq .metrics_test.roc_auc <<<"$meta")" "repeatable"
# such a model cannot be promoted for the shop: other features than the feature store's
expect_exit 1 "$PP" models promote "$v"

# the same table as Parquet (DuckDB writes it): the same rows, so the same model
duck "COPY (SELECT * FROM read_csv_auto('$PWD/shoppers.csv')) TO '$PWD/shoppers.parquet' (FORMAT PARQUET, COMPRESSION ZSTD)" >/dev/null
expect_exit 0 "$PP" train --label Revenue shoppers.parquet --json
equals "$(jq -c '[.features | length, .rows.test, .metrics_test.roc_auc]' <<<"$out")" \
	"$(jq -c '[.features | length, .rows.test, .metrics_test.roc_auc]' <<<"$meta")" "Parquet = CSV"
printf 'PAR1 not really' > fake.parquet
expect_exit 1 "$PP" train --label Revenue fake.parquet
contains "$err" "fake.parquet"

# a time column and a group
{
	echo "when,customer,x,colour,bought"
	for i in $(seq 0 599); do
		c=$((i / 3)); b=$(( (i * 7 + c) % 5 == 0 ? 1 : 0 ))
		echo "$((1430000000000 + i * 60000)),c$c,$(( (i * 13) % 17 )),$([ $((i % 2)) = 0 ] && echo red || echo blue),$b"
	done
} > timed.csv
expect_exit 0 "$PP" train --label bought --time when --group customer timed.csv --json
equals "$(jq -r .split <<<"$out")" "time" "a time split"
equals "$(jq -r '.features | join(",")' <<<"$out")" "x,colour" "time and group are not features"
jq -e '.windows.test_from > .windows.valid_from' <<<"$out" >/dev/null || fail "windows: $(jq -c .windows <<<"$out")"

# errors
expect_exit 2 "$PP" train --label Revenue
contains "$err" "give the CSV file to train on"
expect_exit 2 "$PP" train shoppers.csv
contains "$err" "needs --label COL"
expect_exit 1 "$PP" train --label revenue shoppers.csv
contains "$err" "shoppers.csv: no column 'revenue' for the label (--label)"
sed '3s/FALSE$/maybe/' shoppers.csv > bad.csv
expect_exit 1 "$PP" train --label Revenue bad.csv
contains "$err" "bad.csv:3: Revenue: expected 1/0, true/false or yes/no, got 'maybe'"
sed '4s/,[^,]*$//' shoppers.csv > short.csv
expect_exit 1 "$PP" train --label Revenue short.csv
contains "$err" "short.csv:4: 17 fields, the header has 18"
expect_exit 1 "$PP" train --label bought --time colour timed.csv
contains "$err" "timed.csv:2: colour: expected RFC 3339 or epoch milliseconds, got 'red'"
expect_exit 1 "$PP" train --label Revenue missing.csv
done_ok
