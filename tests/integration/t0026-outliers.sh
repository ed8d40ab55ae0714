#!/bin/bash
# ppredict outliers: the simulator's bots are flagged (precision and recall against its
# truth, computed here again with DuckDB from the truth file), people are not, the
# events stay in the lake, and the report is stored.
. "$PPREDICT_ROOT/tests/integration/lib.sh"
set -e

"$PP" init . >/dev/null
expect_exit 1 "$PP" outliers
contains "$err" "curated/fact_sessions (run \`ppredict etl\` first)"
expect_exit 0 "$PP" simulate --visitors 20000 --days 7 --bot-share 0.005 --json
bots=$(jq .bots <<<"$out")
[ "$bots" -ge 50 ] || fail "too few simulated bots: $bots"
expect_exit 0 "$PP" etl --no-warehouse
expect_exit 0 "$PP" outliers --json
rep=$out
jq -e '.simulator_truth.recall >= 0.98 and .simulator_truth.precision >= 0.98' <<<"$rep" >/dev/null ||
	fail "bots not told apart: $rep"
equals "$(jq .simulator_truth.bots <<<"$rep")" "$bots" "bots in the truth"

# the same figures from the files: the flagged table joined to the simulator's truth
truth=$(ls "$PWD"/lake/_meta/simulate/truth-*.csv | head -1)
theirs=$(duck "WITH f AS (SELECT visitor_id FROM read_parquet([$(delta_files "$PWD/lake/curated/visitor_outliers")])),
	b AS (SELECT DISTINCT CAST(visitor_id AS VARCHAR) visitor_id FROM read_csv('$truth', header = true,
	      columns = {'session_id': 'VARCHAR', 'visitor_id': 'VARCHAR', 'start_ts': 'BIGINT', 'events': 'BIGINT',
	                 'intent': 'DOUBLE', 'propensity': 'DOUBLE', 'purchased': 'INTEGER', 'bot': 'INTEGER'}) WHERE bot = 1)
	SELECT (SELECT count(*) FROM f) flagged, (SELECT count(*) FROM f JOIN b USING (visitor_id)) hits,
	       (SELECT count(*) FROM b) bots")
equals "$(jq -r .flagged <<<"$theirs")" "$(jq .flagged <<<"$rep")" "flagged rows"
equals "$(jq -r .bots <<<"$theirs")" "$bots" "bots per DuckDB"
equals "$(jq -r .hits <<<"$theirs")" "$(jq .simulator_truth.flagged_bots <<<"$rep")" "flagged bots per DuckDB"

# kept in the lake: a flagged visitor's events are still in processed/events
one=$(duck "SELECT visitor_id FROM read_parquet([$(delta_files "$PWD/lake/curated/visitor_outliers")]) ORDER BY visitor_id LIMIT 1" | jq -r .visitor_id)
n=$(duck "SELECT count(*) n FROM read_parquet([$(delta_files "$PWD/lake/processed/events")]) WHERE visitor_id = '$one'" | jq -r .n)
[ "$n" -ge 100 ] || fail "the bot $one has $n events in processed/events"

# the text report and the stored one
expect_exit 0 "$PP" outliers
contains "$out" "visitors flagged (every metric's modified z-score > 6)"
contains "$out" "against the simulator's truth:"
[ -s lake/_meta/quality/outliers/latest.json ] || fail "no stored report"
# a lower threshold flags more, a much higher one fewer
expect_exit 0 "$PP" outliers --threshold 2 --json
[ "$(jq .flagged <<<"$out")" -gt "$(jq .flagged <<<"$rep")" ] || fail "threshold 2 flags no more"
expect_exit 0 "$PP" outliers --threshold 50 --json
[ "$(jq .flagged <<<"$out")" -lt "$(jq .flagged <<<"$rep")" ] || fail "threshold 50 flags no fewer"
expect_exit 2 "$PP" outliers --threshold 0
done_ok
