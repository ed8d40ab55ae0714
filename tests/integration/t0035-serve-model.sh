#!/bin/bash
# The server serves the registry's champion and picks up a new one without a restart; a
# champion trained on other feature definitions, or on a table's own columns, is refused
# with the reason, and the model served before stays.
. "$PPREDICT_ROOT/tests/integration/lib.sh"
set -e

# model_until JQ VALUE: GET /v1/model until JQ of its body is VALUE (the watcher looks every
# 200 ms), at most 5 s; body and status are the last answer's
model_until() {
	for _ in $(seq 50); do
		http GET /v1/model
		[ "$(jq -r "$1" <<<"$body")" = "$2" ] && return 0
		sleep 0.1
	done
}

trained_shop 4000 14 11
a=$MODEL
registry=$(jq -r .feature_registry <<<"$out")

# no champion yet: nothing served, and GET /v1/model says why
start_server --set models.reload=200ms
http GET /v1/model
expect_status 404
contains "$body" '"code":"no_model"'
contains "$body" "the registry has no champion"

# promoted: picked up within a few reloads, no restart
expect_exit 0 "$PP" models promote "$a"
model_until '.model != null' true
expect_status 200
equals "$(jq -r .model.version <<<"$body")" "$a" "the champion served"
equals "$(jq -r .model.feature_registry <<<"$body")" "$registry" "its feature registry"
equals "$(jq -r .feature_registry <<<"$body")" "$registry" "the server's"
equals "$(jq .model.features <<<"$body")" "46" "features"
jq -e '.model.threshold > 0 and .model.metrics_test.roc_auc > 0.6 and .refused == null' <<<"$body" >/dev/null ||
	fail "model status: $body"

# another version promoted by hand: swapped in
expect_exit 0 "$PP" train --json --set train.search_trials=0 --set train.seed=7
b=$(jq -r .version <<<"$out")
expect_exit 0 "$PP" models promote "$b" --force
model_until .model.version "$b"
equals "$(jq -r .model.version <<<"$body")" "$b" "the new champion, without a restart"
equals "$(jq .swaps <<<"$body")" "2" "two swaps"
log_has "serving model $b (was $a:"

# swaps under load: predictions keep coming while the champion changes four times; every
# request is answered 200 by one of the two models
load() {
	for _ in $(seq 150); do
		r=$(curl -s -o - -w ' %{http_code}' -X POST -H 'Content-Type: application/json' \
			-d '{"features":{"s_carts":1,"s_events":4},"explain":true}' "$URL/v1/predict")
		echo "${r//$'\n'/}"
	done > "load.$1"
}
loaders=()
for w in 1 2 3; do
	load $w &
	loaders+=($!)
done
for target in "$a" "$b" "$a" "$b"; do
	sleep 0.3
	"$PP" models promote "$target" --force >/dev/null 2>&1 || fail "promote $target"
done
wait "${loaders[@]}" # not the server's
cat load.1 load.2 load.3 > load.all
equals "$(wc -l < load.all)" "450" "requests made"
equals "$(grep -vc ' 200$' load.all || true)" "0" "requests failed during swaps"
equals "$(sed 's/ 200$//' load.all | jq -r .model_version | sort -u | grep -vc -e "^$a\$" -e "^$b\$" || true)" "0" \
	"answers from other models"
[ "$(sed 's/ 200$//' load.all | jq -r .model_version | sort -u | wc -l)" = 2 ] || fail "both models did not answer"
model_until .model.version "$b"
equals "$(jq -r .model.version <<<"$body")" "$b" "the last promoted served"
swaps=$(jq .swaps <<<"$body")

# a champion trained on other feature definitions: refused, b stays
"$PP" features show > repo.yaml
sed -i 's/^    window: 7d$/    window: 24h/' repo.yaml
expect_exit 0 "$PP" features build --set features.repository=repo.yaml
expect_exit 0 "$PP" train --json --set train.search_trials=0 --set features.repository=repo.yaml
c=$(jq -r .version <<<"$out")
other=$(jq -r .feature_registry <<<"$out")
[ "$other" != "$registry" ] || fail "the changed repository kept its hash"
expect_exit 0 "$PP" models promote "$c" --force
model_until '.refused.version // ""' "$c"
expect_status 200
equals "$(jq -r .model.version <<<"$body")" "$b" "the model served before stays"
equals "$(jq -r .refused.version <<<"$body")" "$c" "the refused champion"
contains "$(jq -r .refused.reason <<<"$body")" "trained on feature registry $other"
contains "$(jq -r .refused.reason <<<"$body")" "runs registry $registry"
log_has "champion $c not served"
http GET /metrics
contains "$body" "ppredict_model_refused_total 1"
contains "$body" "ppredict_model_swaps_total $swaps"
stop_server

# started with that champion: nothing served, and the reason
start_server --set models.reload=200ms
http GET /v1/model
expect_status 404
contains "$body" "the champion $c was refused"
contains "$body" "trained on feature registry $other"

# a model of a table's own columns cannot be served from the feature store either
/usr/bin/python3 "$PPREDICT_ROOT/tests/python/make_shoppers.py" 800 3 > shoppers.csv
expect_exit 0 "$PP" train --label Revenue shoppers.csv --json --set train.search_trials=0
d=$(jq -r .version <<<"$out")
expect_exit 0 "$PP" models promote "$d" --force
model_until ".error.message | contains(\"$d\")" true
contains "$body" "model $d was trained on a table's own columns"

# back to b: served again
expect_exit 0 "$PP" models promote "$b" --force
model_until '.model != null' true
equals "$(jq -r .model.version <<<"$body")" "$b" "served again"

# the registry's moves over the API (scope admin): the rule, force, rollback, unknown
expect_exit 0 "$PP" features build
expect_exit 0 "$PP" train --shuffle-labels --json --set train.search_trials=0
s=$(jq -r .version <<<"$out")
http POST "/v1/models/$s/promote"
expect_status 409
contains "$body" '"code":"refused"'
contains "$body" "not promoted: $s was trained on shuffled labels"
http POST "/v1/models/$a/promote?force=true"
expect_status 200
equals "$(jq -c '[.champion, .replaced, .why]' <<<"$body")" "[\"$a\",\"$b\",\"forced by hand\"]" "promoted over the API"
model_until .model.version "$a"
equals "$(jq -r .model.version <<<"$body")" "$a" "served at once"
http POST /v1/models/rollback
expect_status 200
equals "$(jq -r .champion <<<"$body")" "$b" "rolled back over the API"
expect_exit 0 "$PP" models show "$b"
equals "$(jq -r '.history[-1].by' <<<"$out")" "api" "the history names the mover"
http POST /v1/models/nope/promote
expect_status 404
contains "$body" "nope"
http POST "/v1/models/$a/promote?force=maybe"
expect_status 400
http GET "/v1/models/$a/promote"
expect_status 405
stop_server
done_ok
