#!/bin/bash
# simulate: determinism, formats, ground truth, the raw zone, an independent reader.
. "$PPREDICT_ROOT/tests/integration/lib.sh"
set -e

# Same seed, same bytes (events and truth); another seed, other bytes.
"$PP" simulate --visitors 20000 --seed 7 --out a/events.ndjson >/dev/null
"$PP" simulate --visitors 20000 --seed 7 --out b/events.ndjson >/dev/null
"$PP" simulate --visitors 20000 --seed 8 --out c/events.ndjson >/dev/null
equals "$(sha256sum < a/events.ndjson)" "$(sha256sum < b/events.ndjson)" "same-seed output"
equals "$(sha256sum < a/events.ndjson.truth.csv)" "$(sha256sum < b/events.ndjson.truth.csv)" "same-seed truth"
[ "$(sha256sum < a/events.ndjson)" != "$(sha256sum < c/events.ndjson)" ] || fail "seeds 7 and 8 gave the same output"
equals "$(head -1 a/events.ndjson.truth.csv)" "session_id,visitor_id,start_ts,events,intent,propensity,purchased,bot"
[ -s a/categories.ndjson ] && [ -s a/item_properties.ndjson ] || fail "no catalogue beside the events"
# no temp files left behind
equals "$(ls -A a | grep -c tmp || true)" "0" "temp files in a/"

# --json summary agrees with the file
expect_exit 0 "$PP" simulate --visitors 20000 --seed 7 --out d.ndjson --json
lines=$(wc -l < d.ndjson)
equals "$(jq .written <<<"$out")" "$lines" "written vs lines"
equals "$(jq .events <<<"$out")" "$lines" "events vs lines"
sessions=$(($(wc -l < d.ndjson.truth.csv) - 1))
equals "$(jq .sessions <<<"$out")" "$sessions" "sessions vs truth rows"
equals "$(jq '[.by_type[]] | add' <<<"$out")" "$lines" "by_type total"
auc=$(jq .oracle_auc_points <<<"$out")
equals "$(jq .oracle_auc_points d.ndjson.truth.json)" "$auc" "summary kept beside the truth"
equals "$(jq .params.seed d.ndjson.truth.json)" "7" "parameters in the summary"
awk -v a="$auc" 'BEGIN { exit !(a > 0.75 && a < 1) }' || fail "oracle AUC $auc"

# RetailRocket and REES46 formats
"$PP" simulate --visitors 5000 --format retailrocket --out rr/events.csv >/dev/null
equals "$(head -1 rr/events.csv)" "timestamp,visitorid,event,itemid,transactionid"
equals "$(head -1 rr/category_tree.csv)" "categoryid,parentid"
equals "$(head -1 rr/item_properties.csv)" "timestamp,itemid,property,value"
grep -q ',transaction,[0-9]*,[0-9]*$' rr/events.csv || fail "no transaction rows with ids"
"$PP" simulate --visitors 5000 --format rees46 --out rees.csv >/dev/null
equals "$(head -1 rees.csv)" "event_time,event_type,product_id,category_id,category_code,brand,price,user_id,user_session"
grep -q '^2015-05-0[0-9] [0-9:]* UTC,purchase,' rees.csv || fail "no purchases in REES46 output"

# dirty data switches
expect_exit 0 "$PP" simulate --visitors 20000 --out dirty.ndjson --malformed-rate 0.01 --duplicate-rate 0.01 --late-rate 0.01 --json
m=$(jq .malformed <<<"$out"); d=$(jq .duplicates <<<"$out"); l=$(jq .late <<<"$out"); e=$(jq .events <<<"$out")
[ "$m" -gt 100 ] && [ "$d" -gt 100 ] && [ "$l" -gt 100 ] || fail "dirty counts $m $d $l"
equals "$(wc -l < dirty.ndjson)" "$((e + m + d))" "lines = events + malformed + duplicates"
dups=$(sort dirty.ndjson | uniq -d | wc -l)
[ "$dups" -ge "$d" ] || fail "only $dups duplicated lines for $d duplicates"
# late events arrive out of time order
jq -r '.ts // empty' dirty.ndjson 2>/dev/null | awk 'NR > 1 && $1 < prev - 3600000 { late++ } { prev = $1 } END { exit !(late > 0) }' \
	|| fail "no late events in arrival order"

# drift: after the date prices rise and the mix shifts
expect_exit 0 "$PP" simulate --visitors 20000 --out drift.ndjson --drift-at 2015-05-20 --json
jq -r 'select(.event == "view") | [.ts, .price] | @tsv' drift.ndjson | awk '
	$1 < 1432080000000 { a += $2; na++ } $1 >= 1432080000000 { b += $2; nb++ }
	END { exit !((b / nb) > 1.08 * (a / na)) }' || fail "prices did not rise after the drift"

# into the raw zone, read back by us and by the zstd CLI
"$PP" init shop >/dev/null
cd shop
expect_exit 0 "$PP" simulate --visitors 20000 --json
events=$(jq .events <<<"$out")
expect_exit 0 "$PP" lake ls --zone events --json
equals "$(jq -s 'map(.lines) | add' <<<"$out")" "$events" "lake ls lines"
equals "$("$PP" lake cat | wc -l)" "$events" "lake cat lines"
equals "$(find lake/raw/events -name '*.ndjson.zst' -exec zstdcat {} + | wc -l)" "$events" "zstdcat lines"
find lake/raw/events -name '*.ndjson.zst' | head -50 | xargs zstd -tq || fail "zstd -t found a damaged segment"
ls lake/_meta/simulate/truth-*.csv >/dev/null || fail "no truth in _meta"
equals "$(jq .events lake/_meta/simulate/truth-*.json)" "$events" "summary in _meta"
# every malformed line in the raw zone is one the event model refuses
expect_exit 0 "$PP" simulate --visitors 20000 --seed 9 --malformed-rate 0.01 --duplicate-rate 0.01 --json
malformed=$(jq .malformed <<<"$out")
expect_exit 0 "$PP" lake fsck --events
contains "$out" ", $malformed lines that are not valid events"

# late events go to the partition of their event time, in later segments
expect_exit 0 "$PP" simulate --visitors 20000 --seed 5 --late-rate 0.05
expect_exit 0 "$PP" lake ls --zone events --by hour --json
bad=$(jq -r 'select(((.min_ts / 3600000) | floor) != ((.max_ts / 3600000) | floor)) | .partition' <<<"$out" | head -3)
equals "$bad" "" "hour partitions holding other hours' events"
expect_exit 0 "$PP" lake ls
contains "$out" "categories"
contains "$out" "2015-05-03"
expect_exit 0 "$PP" lake cat -n 3
equals "$(wc -l <<<"$out")" "3"
jq -e 'has("ts") and has("visitor_id") and has("event") and has("item_id")' <<<"$out" >/dev/null \
	|| fail "lake cat lines are not canonical events"
# a device is written in place, never replaced by a renamed file
"$PP" simulate --visitors 2000 --out /dev/null >/dev/null
[ -c /dev/null ] || fail "/dev/null is no longer a character device"
[ ! -e /dev/null.truth.csv ] || fail "truth written beside /dev/null"
done_ok
