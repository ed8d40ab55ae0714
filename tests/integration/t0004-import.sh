#!/bin/bash
# import: every row is stored or quarantined with file, line and reason; nothing is lost.
. "$PPREDICT_ROOT/tests/integration/lib.sh"
set -e

"$PP" init shop >/dev/null
cd shop
"$PP" simulate --visitors 30000 --format retailrocket --out ../rr/events.csv \
	--malformed-rate 0.005 --duplicate-rate 0.005 >/dev/null

# pandas re-saves ids as floats; keep a few lines that way
awk -F, 'NR > 1 && NR % 97 == 0 && $3 == "view" { print $1 ".0," $2 ".0," $3 "," $4 ".0," ; next } { print }' \
	../rr/events.csv > ../rr/events_pandas.csv
rows=$(($(wc -l < ../rr/events_pandas.csv) - 1))
expect_exit 0 "$PP" import --format retailrocket ../rr/events_pandas.csv ../rr/category_tree.csv \
	../rr/item_properties.csv --json
total=$(jq .total <<<"$out")
accepted=$(jq '.files[0].accepted' <<<"$out")
rejected=$(jq '.files[0].rejected' <<<"$out")
equals "$(jq '.files[0].rows' <<<"$out")" "$rows" "rows seen"
equals "$((accepted + rejected))" "$rows" "accepted + rejected"
[ "$rejected" -gt 20 ] || fail "only $rejected rejected rows from a dirty file"
equals "$(jq '.files[1].categories' <<<"$out")" "$(($(wc -l < ../rr/category_tree.csv) - 1))" "categories"
equals "$(jq '.files[2].item_properties' <<<"$out")" "$(($(wc -l < ../rr/item_properties.csv) - 1))" "properties"
equals "$("$PP" lake cat | wc -l)" "$accepted" "events in the lake"
"$PP" lake cat -z quarantine > q.ndjson
equals "$(wc -l < q.ndjson)" "$rejected" "quarantine records"
equals "$(jq -r 'select(.source and .line and .reason and (.raw|type == "string")) | .format' q.ndjson | sort -u)" "retailrocket"
# each quarantined line is the file's line it names
jq -r '[.line, .raw] | @tsv' q.ndjson | head -20 | while IFS=$'\t' read -r n raw; do
	equals "$(sed -n "${n}p" ../rr/events_pandas.csv | tr -d '\r')" "$raw" "line $n"
done
# pandas float ids came in as integers
"$PP" lake cat | grep -q '"visitor_id":"[0-9]*\.0"' && fail "float ids stored as floats"

# the same file twice is stored once; --force stores it again
before=$("$PP" lake cat -z categories | wc -l)
expect_exit 0 "$PP" import --format retailrocket ../rr/category_tree.csv
contains "$out" "../rr/category_tree.csv: skipped, the same content was imported at"
equals "$("$PP" lake cat -z categories | wc -l)" "$before" "categories after a repeated import"
expect_exit 0 "$PP" import --format retailrocket ../rr/category_tree.csv --json
equals "$(jq '.files[0].skipped' <<<"$out")" "true"
expect_exit 0 "$PP" import --format retailrocket ../rr/category_tree.csv --force
equals "$("$PP" lake cat -z categories | wc -l)" "$((before * 2))" "categories after --force"
equals "$(grep -c category_tree lake/_meta/imports.ndjson)" "2" "manifest lines"

# unsorted input (RetailRocket is stored in time blocks): the same events either way
cd ..
(head -1 rr/events.csv; tail -n +2 rr/events.csv | shuf --random-source=<(yes)) > rr/shuffled.csv
"$PP" init sorted >/dev/null && (cd sorted && "$PP" import -f retailrocket ../rr/events.csv >/dev/null)
"$PP" init shuffled >/dev/null && (cd shuffled && "$PP" import -f retailrocket ../rr/shuffled.csv >/dev/null)
equals "$(cd shuffled && "$PP" lake cat | sort | sha256sum)" "$(cd sorted && "$PP" lake cat | sort | sha256sum)" "sorted vs shuffled import"
equals "$(cd shuffled && "$PP" lake cat -z quarantine | jq -r .raw | sort | sha256sum)" \
	"$(cd sorted && "$PP" lake cat -z quarantine | jq -r .raw | sort | sha256sum)" "quarantined rows"
cd shop

# REES46: CRLF, quoted fields, a truncated last line, sessions kept
printf 'event_time,event_type,product_id,category_id,category_code,brand,price,user_id,user_session\r\n' > rees.csv
printf '2019-10-01 00:00:00 UTC,view,44600062,2103807459595387724,,shiseido,35.79,541312140,72d76fde-8bb3-4e00-8c23-a032dfed738c\r\n' >> rees.csv
printf '2019-10-01 00:00:01 UTC,cart,44600062,2103807459595387724,"beauty,skin",shiseido,35.79,541312140,72d76fde-8bb3-4e00-8c23-a032dfed738c\r\n' >> rees.csv
printf '2019-10-01 00:00:09 UTC,purchase,44600062,2103807459595387724,,shiseido,35.79,541312140,72d76fde-8bb3-4e00-8c23-a032dfed738c\r\n' >> rees.csv
printf '2019-10-01 00:00:10 UTC,view,446000' >> rees.csv
expect_exit 0 "$PP" import --format rees46 rees.csv
contains "$out" "rees.csv: 4 rows, 3 accepted, 1 rejected"
"$PP" lake cat -z quarantine | grep -q '"source":"rees.csv","line":5,"format":"rees46","field":"","reason":"truncated last line: expected 9 fields, got 3"' \
	|| fail "truncated REES46 line not quarantined with its reason"
"$PP" lake cat | grep -q '"session_id":"72d76fde-8bb3-4e00-8c23-a032dfed738c","event":"addtocart".*"props":{"category_code":"beauty,skin","brand":"shiseido"}' \
	|| fail "REES46 cart row not stored canonically"

# simulated REES46 at volume
"$PP" simulate --visitors 10000 --format rees46 --out ../rees_sim.csv >/dev/null
expect_exit 0 "$PP" import --format rees46 ../rees_sim.csv --json
equals "$(jq .total.rejected <<<"$out")" "0" "clean REES46 rejects"
equals "$(jq .total.accepted <<<"$out")" "$(($(wc -l < ../rees_sim.csv) - 1))" "REES46 rows"

# NDJSON: what lake cat prints imports back unchanged (into another lake)
"$PP" lake cat > all.ndjson
mkdir ../other && cd ../other
expect_exit 0 "$PP" import --format ndjson ../shop/all.ndjson
equals "$("$PP" lake cat | sort | sha256sum)" "$(sort ../shop/all.ndjson | sha256sum)" "NDJSON round trip"
# a bad line among good ones
printf '{"ts":1433221332117,"visitor_id":"1","event":"view","item_id":"2"}\n{"ts":1433221332117,"visitor_id":"1","event":"view","item_id":"2","colour":"red"}\n' > mixed.ndjson
expect_exit 0 "$PP" import --format ndjson mixed.ndjson
contains "$out" "2 rows, 1 accepted, 1 rejected"
"$PP" lake cat -z quarantine | grep -q '"line":2,"format":"ndjson","field":"colour","reason":"colour: unknown field' \
	|| fail "unknown field not quarantined"
# a file that is not RetailRocket is refused, the other files still import
printf 'a,b\n1,2\n' > weird.csv
expect_exit 1 "$PP" import --format retailrocket weird.csv ../rr/category_tree.csv
contains "$err" "weird.csv:1: not a RetailRocket header: 'a,b'"
contains "$err" "1 of 2 files could not be imported"
contains "$out" "category_tree.csv:"
# stdin
expect_exit 0 "$PP" import --format ndjson - < mixed.ndjson
contains "$out" "-: 2 rows, 1 accepted, 1 rejected"
printf '\n{"ts":1433221332117,"visitor_id":"1","event":"view","item_id":"2"}\n\n' > blank.ndjson
expect_exit 0 "$PP" import --format ndjson blank.ndjson
contains "$out" "blank.ndjson: 1 rows, 1 accepted, 0 rejected (2 blank lines skipped)"
done_ok
