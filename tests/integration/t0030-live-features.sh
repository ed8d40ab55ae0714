#!/bin/bash
# Live features: the lake replayed through the live path agrees with the training set at
# every prediction point, on LMDB and on a real Redis, and a changed session rule is caught;
# the server applies each accepted event before it answers, so the next read sees it.
. "$PPREDICT_ROOT/tests/integration/lib.sh"
set -e

"$PP" init . >/dev/null
expect_exit 1 "$PP" features verify-online
contains "$err" "run \`ppredict features build\` first"
expect_exit 0 "$PP" simulate --visitors 3000 --days 8 --seed 5
expect_exit 0 "$PP" etl --no-warehouse
expect_exit 0 "$PP" outliers
expect_exit 0 "$PP" features build --json
points=$(jq .points <<<"$out")
[ "$points" -gt 3000 ] || fail "few points: $out"

# training = serving, every point, both stores
expect_exit 0 "$PP" features verify-online --json
equals "$(jq .compared <<<"$out")" "$points" "points compared (LMDB)"
equals "$(jq '.bad_points + .unmatched' <<<"$out")" "0" "points that differ (LMDB)"
start_redis
expect_exit 0 "$PP" features verify-online --json --redis "$REDIS_URL"
equals "$(jq .compared <<<"$out")" "$points" "points compared (Redis)"
equals "$(jq '.bad_points + .unmatched' <<<"$out")" "0" "points that differ (Redis)"
equals "$(jq -r .store <<<"$out")" "redis" "store"

# a live path that splits sessions otherwise than the lake did is caught
expect_exit 1 "$PP" features verify-online --set events.session_gap=20s
contains "$err" "training and serving disagree"
contains "$out" "s_events"

# the server: an event is in the online vector by the time its POST is answered
start_server
t0=$(( $(date +%s) * 1000 - 60000 ))
for i in 1 2 3; do
	http POST /v1/events -H 'Content-Type: application/json' \
		-d "{\"event_id\":\"live$i\",\"ts\":$((t0 + i * 1000)),\"visitor_id\":\"lv1\",\"event\":\"$([ $i = 3 ] && echo addtocart || echo view)\",\"item_id\":\"li$i\",\"price\":$((i * 10))}"
	expect_status 200
	http GET "/v1/features/online?session_id=lv1-$((t0 + 1000))&visitor_id=lv1&item_id=li$i"
	expect_status 200
	equals "$(jq .features.s_events <<<"$body")" "$i" "session events after $i posted"
done
equals "$(jq .features.s_carts <<<"$body")" "1" "carts"
equals "$(jq .features.s_cart_value <<<"$body")" "30" "cart value"
equals "$(jq .features.i_carts <<<"$body")" "1" "the item's carts"
equals "$(jq .features.v_events <<<"$body")" "3" "the visitor's events"
# a duplicate (the same event_id) is not counted twice
http POST /v1/events -H 'Content-Type: application/json' \
	-d "{\"event_id\":\"live3\",\"ts\":$((t0 + 3000)),\"visitor_id\":\"lv1\",\"event\":\"addtocart\",\"item_id\":\"li3\",\"price\":30}"
expect_status 200
http GET "/v1/features/online?session_id=lv1-$((t0 + 1000))"
equals "$(jq .features.s_events <<<"$body")" "3" "session events after a duplicate"
# a request of 600 events (past two of the live path's batches) and a bad line: every good
# event is applied, in its order, before the answer (noon of a fixed day: one session)
noon=1433160000000
{
	for i in $(seq 600); do
		printf '{"ts":%d,"visitor_id":"lv2","event":"%s","item_id":"b%d","price":%d}\n' \
			$((noon + i * 1000)) "$([ $((i % 50)) = 0 ] && echo addtocart || echo view)" $((i % 7)) $((i % 5 + 1))
	done
	echo '{"ts":"soon","visitor_id":"lv2","event":"view","item_id":"b1"}'
} > batch.ndjson
http POST /v1/events -H 'Content-Type: application/x-ndjson' --data-binary @batch.ndjson
expect_status 200
equals "$(jq -c '[.stored, (.rejected | length)]' <<<"$body")" "[600,1]" "stored and rejected"
http GET "/v1/features/online?session_id=lv2-$((noon + 1000))&visitor_id=lv2&item_id=b3&at=$((noon + 600000))"
expect_status 200
equals "$(jq -c '[.features.s_events, .features.s_items, .features.s_carts, .features.v_events]' <<<"$body")" \
	"[600,7,12,600]" "the batch's session, items, carts and visitor events"
equals "$(jq .features.s_last_price <<<"$body")" "1" "the last event's price (event 600: 600 % 5 + 1)"
http GET /metrics
contains "$body" "ppredict_live_features_applied_total 603"
http GET "/v1/features/online"
expect_status 400
http GET "/v1/features/online?visitor_id=lv1&at=yesterday"
expect_status 400
contains "$body" '"field":"at"'
stop_server

# turned off: events stored all the same, the online store read (for predictions) but not
# changed by them
start_server --set features.live=false
http GET "/v1/features/online?visitor_id=lv1"
expect_status 200
before=$(jq .features.v_events <<<"$body")
http POST /v1/events -H 'Content-Type: application/json' \
	-d "{\"event_id\":\"off1\",\"ts\":$((t0 + 9000)),\"visitor_id\":\"lv1\",\"event\":\"view\",\"item_id\":\"li9\"}"
expect_status 200
http GET "/v1/features/online?visitor_id=lv1"
equals "$(jq .features.v_events <<<"$body")" "$before" "the event not applied with features.live off"
stop_server
done_ok
