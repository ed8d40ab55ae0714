#!/bin/bash
# ppredict materialize: every entity within its TTL gets its row in the online store; the
# vector served from it equals what DuckDB computes from the events as of the same time;
# LMDB and a real Redis give the same vectors; entities past their TTL are absent;
# --incremental writes only the entities with events since the store's last run.
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

# incremental: a day later, only the entities with events since the store's last run are
# written; they read as a full run's, the others keep their rows, none is lost or counted twice
expect_exit 0 "$PP" materialize --incremental --as-of 2015-05-11T12:00:00Z --json
inc=$out
equals "$(jq -r .since <<<"$inc")" "2015-05-10T12:00:00.000Z" "since: the store's last as-of"
[ "$(jq .rows <<<"$inc")" -gt 0 ] && [ "$(jq .unchanged <<<"$inc")" -gt 0 ] || fail "incremental: $inc"
expect_exit 0 "$PP" materialize --as-of 2015-05-11T12:00:00Z --json --set online_store.path=full.lmdb
full=$out
equals "$(jq '.rows + .unchanged + .expired' <<<"$inc")" "$(jq '.rows + .expired' <<<"$full")" "entities, incremental and full"
pick=$(duck "SELECT visitor_id, item_id FROM $ev WHERE ts <= TIMESTAMP '2015-05-11 12:00:00'
	AND ts > TIMESTAMP '2015-05-10 12:00:00' ORDER BY ts DESC LIMIT 1")
v2=$(jq -r .visitor_id <<<"$pick")
i2=$(jq -r .item_id <<<"$pick")
expect_exit 0 "$PP" features online --visitor "$v2" --item "$i2" --at 2015-05-11T12:00:00Z
a=$out
expect_exit 0 "$PP" features online --visitor "$v2" --item "$i2" --at 2015-05-11T12:00:00Z --set online_store.path=full.lmdb
equals "$a" "$out" "an entity with new events: incremental = full"
quiet=$(duck "SELECT visitor_id FROM $ev WHERE ts <= TIMESTAMP '2015-05-10 12:00:00' AND ts > TIMESTAMP '2015-05-10 00:00:00'
	AND visitor_id NOT IN (SELECT visitor_id FROM $ev WHERE ts > TIMESTAMP '2015-05-10 12:00:00') LIMIT 1" | jq -r .visitor_id)
expect_exit 0 "$PP" materialize --as-of 2015-05-10T12:00:00Z --set online_store.path=before.lmdb
expect_exit 0 "$PP" features online --visitor "$quiet" --at 2015-05-10T18:00:00Z --set online_store.path=before.lmdb
b=$out
expect_exit 0 "$PP" features online --visitor "$quiet" --at 2015-05-10T18:00:00Z
equals "$out" "$b" "an entity without new events keeps its row"
# again at the same time: nothing new; an earlier time is refused
expect_exit 0 "$PP" materialize --incremental --as-of 2015-05-11T12:00:00Z --json
equals "$(jq .rows <<<"$out")" "0" "rows of an incremental run with nothing new"
expect_exit 1 "$PP" materialize --incremental --as-of 2015-05-09T00:00:00Z
contains "$err" "holds values as of 2015-05-11T12:00:00.000Z already"

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
