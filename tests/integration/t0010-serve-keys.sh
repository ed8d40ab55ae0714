#!/bin/bash
# API keys and scopes; binding beyond loopback needs keys.
. "$PPREDICT_ROOT/tests/integration/lib.sh"
set -e

"$PP" init . >/dev/null
ingest_hash=$(printf %s shop-secret | sha256sum | cut -d' ' -f1)
admin_hash=$(printf %s ops-secret | sha256sum | cut -d' ' -f1)
sed -i "s/^  keys: \[\]$/  keys:\n    - name: shop\n      sha256: $ingest_hash\n      scopes: [ingest]\n    - name: ops\n      sha256: $admin_hash\n      scopes: [admin, predict]/" ppredict.yaml
expect_exit 0 "$PP" config
contains "$out" "- name: shop"

start_server
E='{"ts":1433221332117,"visitor_id":"1","event":"view","item_id":"2"}'
http POST /v1/events -H Content-Type:application/json -d "$E"
expect_status 401; equals "$(jq -r .error.code <<<"$body")" "unauthorized"
contains "$(curl -s -i -X POST -H Content-Type:application/json -d "$E" "$URL/v1/events")" 'WWW-Authenticate: Bearer'
http POST /v1/events -H Content-Type:application/json -H 'Authorization: Bearer wrong' -d "$E"
expect_status 401; contains "$body" "not valid"
http POST /v1/events -H Content-Type:application/json -H 'Authorization: Bearer ops-secret' -d "$E"
expect_status 403; contains "$body" "key 'ops' lacks the ingest scope"
http POST /v1/events -H Content-Type:application/json -H 'Authorization: Bearer shop-secret' -d "$E"
expect_status 200
http GET /metrics -H 'Authorization: Bearer shop-secret'
expect_status 403
http GET /metrics -H 'Authorization: Bearer ops-secret'
expect_status 200
http GET /healthz
expect_status 200
contains "$(cat server.log)" "POST /v1/events 200 "
contains "$(cat server.log)" "key=shop"
stop_server

# beyond loopback: refused without keys, allowed with them
"$PP" init open >/dev/null
expect_exit 1 "$PP" serve -c open/ppredict.yaml --set server.listen=0.0.0.0:0
contains "$err" "server.listen is 0.0.0.0:0, beyond loopback: configure server.keys first"
rm -f ready.url
"$PP" serve --set server.listen=0.0.0.0:0 --ready-file ready.url >>server.log 2>&1 &
SERVER_PID=$!
for _ in $(seq 100); do [ -s ready.url ] && break; sleep 0.05; done
[ -s ready.url ] || fail "a server with keys did not bind 0.0.0.0"
stop_server
done_ok
