#!/bin/bash
# The feature registry: the shipped repository listed and described, a repository of
# one's own through features.repository, named errors, and GET /v1/features.
. "$PPREDICT_ROOT/tests/integration/lib.sh"
set -e

"$PP" init . >/dev/null
expect_exit 0 "$PP" features list
contains "$out" "session_activity     session   session   30m"
contains "$out" "visitor_history"
contains "$out" "item_popularity"
contains "$out" "category_conversion  category  lifetime  30d"
expect_exit 0 "$PP" features list --json
list=$out
equals "$(jq -r '[.feature_views[].name] | join(",")' <<<"$list")" "session_activity,visitor_history,item_popularity,category_conversion" "views"
equals "$(jq '([.feature_views[].features | length] | add) + (.on_demand_features | length)' <<<"$list")" \
	"$(jq .features <<<"$list")" "every feature has a slot"
equals "$(jq '[.feature_views[].features[].slot, .on_demand_features[].slot] == [range(0; .features)]' <<<"$list")" \
	"true" "slots in order"
expect_exit 0 "$PP" features describe session_activity
contains "$out" "s_carts                count where event == 'addtocart'"
contains "$out" "s_items                count_distinct(item_id)"
expect_exit 0 "$PP" features describe on_demand
contains "$out" "s_cart_rate            = s_carts / (s_views + 1)"
expect_exit 2 "$PP" features describe nothing
contains "$err" "no feature view 'nothing'"

# the shipped text, edited, as a repository of one's own: the hashes follow the change
expect_exit 0 "$PP" features show
echo "$out" > repo.yaml
expect_exit 0 "$PP" features list --json --set features.repository=repo.yaml
equals "$(jq -c '[.feature_views[].hash]' <<<"$out")" "$(jq -c '[.feature_views[].hash]' <<<"$list")" "the same definitions, the same hashes"
sed -i 's/ttl: 7d/ttl: 3d/' repo.yaml
expect_exit 0 "$PP" features list --json --set features.repository=repo.yaml
changed=$out
equals "$(jq -r '.feature_views[0].hash' <<<"$changed")" "$(jq -r '.feature_views[0].hash' <<<"$list")" "session view unchanged"
[ "$(jq -r '.feature_views[2].hash' <<<"$changed")" != "$(jq -r '.feature_views[2].hash' <<<"$list")" ] ||
	fail "item_popularity's hash did not change with its ttl"

# errors name the file, the view and the feature
sed -i "s/agg: count, where: \"event == 'addtocart'\"}/agg: count, where: \"event == 'bogus'\"}/" repo.yaml
expect_exit 1 "$PP" features list --set features.repository=repo.yaml
contains "$err" "repo.yaml: feature view session_activity: feature s_carts: where 'event == 'bogus''"
contains "$err" "'bogus' is not a value this name takes"
expect_exit 1 "$PP" features list --set features.repository=missing.yaml
contains "$err" "features.repository"
contains "$err" "missing.yaml"

# the server answers with the registry it computes with
start_server
http GET /v1/features; expect_status 200
equals "$(jq -c '[.hash, .features]' <<<"$body")" "$(jq -c '[.hash, .features]' <<<"$list")" "GET /v1/features"
stop_server
done_ok
