#!/bin/bash
# A Delta table as other engines see it: DuckDB parses every commit of the log as JSON,
# and the files live in the latest version (adds minus removes) hold the expected rows,
# with partition values from the hive-style paths.
. "$PPREDICT_ROOT/tests/integration/lib.sh"
set -e

"${PPREDICT_TOOLS:?}/delta_sample" lake tables/events
t="$PWD/lake/tables/events"
equals "$(ls "$t/_delta_log")" "$(printf '%020d.json\n' 0 1 2)" "commits"
# the log, read by DuckDB
row=$(duck "SELECT count(*) FILTER (WHERE add IS NOT NULL) adds, count(*) FILTER (WHERE remove IS NOT NULL) removes,
	count(*) FILTER (WHERE metaData IS NOT NULL) meta, count(*) FILTER (WHERE protocol IS NOT NULL) proto,
	count(*) FILTER (WHERE commitInfo IS NOT NULL) infos
	FROM read_json('$t/_delta_log/*.json', format = 'newline_delimited')")
equals "$(jq -c . <<<"$row")" '{"adds":"3","removes":"1","meta":"1","proto":"1","infos":"3"}' "actions"
# the live files, computed from the log with jq as any reader would
live=$(cat "$t"/_delta_log/*.json | jq -rs '
	(map(select(.remove)) | map(.remove.path)) as $gone
	| map(select(.add)) | map(.add.path) | map(select(. as $p | $gone | index($p) | not)) | .[]')
equals "$(wc -l <<<"$live")" "2" "live files"
files=$(sed "s|^|'$t/|; s|$|'|" <<<"$live" | paste -sd, -)
row=$(duck "SELECT count(*) n, min(id) lo, max(id) hi, count(DISTINCT event_date) dates, min(event_date) AS first_date
	FROM read_parquet([$files], hive_partitioning = true)")
equals "$(jq -c . <<<"$row")" '{"n":"75","lo":"100","hi":"174","dates":"2","first_date":"2015-06-02"}' "rows of the latest version"
# the schema in metaData is Spark's
schema=$(cat "$t/_delta_log/00000000000000000000.json" | jq -r 'select(.metaData) | .metaData.schemaString | fromjson | .fields | map("\(.name):\(.type)") | join(",")')
equals "$schema" "id:long,name:string,event_date:string" "schema"
done_ok
