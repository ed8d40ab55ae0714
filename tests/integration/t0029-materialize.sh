#!/bin/bash
# ppredict materialize: every entity within its TTL gets its row in the online store; the
# vector served from it equals what DuckDB computes from the events as of the same time;
# LMDB and a real Redis give the same vectors; entities past their TTL are absent.
. "$PPREDICT_ROOT/tests/integration/lib.sh"
set -e

"$PP" init . >/dev/null
expect_exit 0 "$PP" simulate --visitors 3000 --days 10 --seed 3
expect_exit 0 "$PP" etl --no-warehouse
expect_exit 0 "$PP" materialize --as-of 2015-05-10T12:00:00Z --json
lm=$out
[ "$(jq .rows <<<"$lm")" -gt 1000 ] || fail "few rows: $lm"
[ "$(jq .expired <<<"$lm")" -gt 0 ] || fail "no entity past its TTL: $lm"
equals "$(jq -r .as_of <<<"$lm")" "2015-05-10T12:00:00.000Z" "as of"

# a visitor and an item with events in the last day before the time, read at that time
ev="read_parquet([$(delta_files "$PWD/lake/processed/events")], hive_partitioning = true)"
pick=$(duck "SELECT visitor_id, item_id FROM $ev WHERE ts <= TIMESTAMP '2015-05-10 12:00:00'
	AND ts > TIMESTAMP '2015-05-09 12:00:00' ORDER BY ts DESC LIMIT 1")
v=$(jq -r .visitor_id <<<"$pick")
i=$(jq -r .item_id <<<"$pick")
theirs=$(duck "SELECT
	(SELECT count(*) FROM $ev WHERE visitor_id = '$v' AND ts <= TIMESTAMP '2015-05-10 12:00:00'
	   AND ts > TIMESTAMP '2015-04-10 12:00:00') v_events,
	(SELECT count(DISTINCT session_id) FROM $ev WHERE visitor_id = '$v' AND ts <= TIMESTAMP '2015-05-10 12:00:00'
	   AND ts > TIMESTAMP '2015-04-10 12:00:00') v_sessions,
	(SELECT count(*) FROM $ev WHERE item_id = '$i' AND event = 'view' AND ts <= TIMESTAMP '2015-05-10 12:00:00'
	   AND ts > TIMESTAMP '2015-05-03 12:00:00') i_views,
	(SELECT count(DISTINCT visitor_id) FROM $ev WHERE item_id = '$i' AND ts <= TIMESTAMP '2015-05-10 12:00:00'
	   AND ts > TIMESTAMP '2015-05-03 12:00:00') i_visitors,
	(SELECT epoch_ms(TIMESTAMP '2015-05-10 12:00:00') / 1000.0 - epoch_ms(min(ts)) / 1000.0 FROM $ev WHERE visitor_id = '$v'
	   AND ts <= TIMESTAMP '2015-05-10 12:00:00' AND ts > TIMESTAMP '2015-04-10 12:00:00') v_since_first_s")
expect_exit 0 "$PP" features online --visitor "$v" --item "$i" --at 2015-05-10T12:00:00Z
ours=$out
for f in v_events v_sessions i_views i_visitors; do
	equals "$(jq ".$f" <<<"$ours")" "$(jq -r ".$f" <<<"$theirs")" "$f of $v / $i"
done
jq -e --argjson t "$theirs" '(.v_since_first_s - ($t.v_since_first_s | tonumber) | fabs) < 0.01' <<<"$ours" >/dev/null ||
	fail "v_since_first_s: $ours vs $theirs"
# read an hour later: the time since counts on
expect_exit 0 "$PP" features online --visitor "$v" --at 2015-05-10T13:00:00Z
jq -e --argjson a "$ours" '(.v_since_first_s - $a.v_since_first_s - 3600 | fabs) < 0.01' <<<"$out" >/dev/null ||
	fail "time since does not count on: $out"
# past the TTL: nothing
expect_exit 0 "$PP" features online --visitor "$v" --at 2015-07-01
equals "$(jq .v_events <<<"$out")" "null" "a row past its TTL"

# the same into a real Redis: the same vectors
start_redis
expect_exit 0 "$PP" materialize --as-of 2015-05-10T12:00:00Z --json --set online_store.backend=redis --set "online_store.redis_url=$REDIS_URL"
equals "$(jq .rows <<<"$out")" "$(jq .rows <<<"$lm")" "rows into Redis"
expect_exit 0 "$PP" features online --visitor "$v" --item "$i" --at 2015-05-10T12:00:00Z --set online_store.backend=redis --set "online_store.redis_url=$REDIS_URL"
equals "$out" "$ours" "Redis vector = LMDB vector"
kill "$REDIS_PID"
wait "$REDIS_PID" 2>/dev/null || true
expect_exit 1 "$PP" features online --visitor "$v" --set online_store.backend=redis --set "online_store.redis_url=$REDIS_URL"
contains "$err" "cannot connect"
expect_exit 2 "$PP" features online
contains "$err" "give --session, --visitor, --item or --category"
done_ok
