# lib.sh - helpers for integration tests. Each test script runs in a fresh temp dir
# (TEST_TMP, also the cwd) with PPREDICT_BIN pointing at the binary under test.
set -u
PP=${PPREDICT_BIN:?PPREDICT_BIN is not set}
ROOT=${PPREDICT_ROOT:?PPREDICT_ROOT is not set}
unset PPREDICT_CONFIG
checks=0

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

# expect_exit CODE CMD... : runs CMD, checks its exit code; output in $out, stderr in $err
expect_exit() {
	local want=$1
	shift
	set +e
	"$@" >out.txt 2>err.txt
	local got=$?
	set -e
	out=$(cat out.txt)
	err=$(cat err.txt)
	[ "$got" = "$want" ] || fail "'$*' exited $got, expected $want; stderr: $err"
	checks=$((checks + 1))
}

# contains HAYSTACK NEEDLE [what]
contains() {
	case "$1" in
	*"$2"*) checks=$((checks + 1)) ;;
	*) fail "${3:-output} does not contain '$2'; it is: $1" ;;
	esac
}

not_contains() {
	case "$1" in
	*"$2"*) fail "${3:-output} contains '$2'; it is: $1" ;;
	*) checks=$((checks + 1)) ;;
	esac
}

equals() {
	[ "$1" = "$2" ] || fail "${3:-value} is '$1', expected '$2'"
	checks=$((checks + 1))
}

# duck SQL: runs SQL in DuckDB (npm), one JSON object per row
duck() { node "$ROOT/tests/node/duckdb-query.mjs" "$1"; }

# delta_files DIR: the data files of a Delta table's latest version, as its log says
# (adds not removed since), quoted and comma-separated for DuckDB's read_parquet([...]).
# Log paths are URIs; the only escape our directory names can hold is an encoded '%'.
delta_files() {
	cat "$1"/_delta_log/*.json | jq -rs '(map(select(.remove)) | map(.remove.path)) as $gone
		| map(select(.add)) | map(.add.path) | map(select(. as $p | $gone | index($p) | not)) | .[]' |
		sed "s/%25/%/g; s|^|'$1/|; s|$|'|" | paste -sd, -
}

done_ok() {
	echo "$checks checks passed"
	exit 0
}

# trained_shop VISITORS DAYS SEED: a simulated shop in ./lake, through the ETL, the training
# set, a quality check and one model (no search): MODEL is its version (a candidate), out
# the train command's JSON.
trained_shop() {
	"$PP" init . >/dev/null
	expect_exit 0 "$PP" simulate --visitors "$1" --days "$2" --seed "$3"
	expect_exit 0 "$PP" etl --no-warehouse
	expect_exit 0 "$PP" features build
	expect_exit 0 "$PP" check
	expect_exit 0 "$PP" train --json --set train.search_trials=0
	MODEL=$(jq -r .version <<<"$out")
}

# log_has TEXT: server.log says TEXT within 5 s (the server logs after it acts)
log_has() {
	for _ in $(seq 50); do
		grep -qF -- "$1" server.log && { checks=$((checks + 1)); return 0; }
		sleep 0.1
	done
	fail "server.log does not say '$1': $(tail -5 server.log)"
}

# start_server [ppredict options...]: runs `ppredict serve` on a free loopback port in the
# background; sets URL and SERVER_PID. The log goes to server.log.
start_server() {
	rm -f ready.url
	"$PP" serve --set server.listen=127.0.0.1:0 --ready-file ready.url "$@" >>server.log 2>&1 &
	SERVER_PID=$!
	for _ in $(seq 100); do
		[ -s ready.url ] && break
		kill -0 "$SERVER_PID" 2>/dev/null || fail "the server exited: $(tail -5 server.log)"
		sleep 0.05
	done
	[ -s ready.url ] || fail "the server did not start: $(tail -5 server.log)"
	URL=$(cat ready.url)
	PORT=${URL##*:}
}

# stop_server: SIGTERM and wait; fails unless it exits 0 (with a sanitizer's whole report,
# when there is one: the test's directory goes away with it).
stop_server() {
	kill -TERM "$SERVER_PID"
	wait "$SERVER_PID" || fail "the server exited with $? on SIGTERM: $(grep -A60 -m1 \
		'WARNING: ThreadSanitizer\|ERROR: AddressSanitizer\|runtime error' server.log || tail -5 server.log)"
}

# http METHOD PATH [curl args...]: sets status and body.
http() {
	local method=$1 path=$2
	shift 2
	body=$(curl -s -o - -w '\n%{http_code}' -X "$method" "$@" "$URL$path")
	status=${body##*$'\n'}
	body=${body%$'\n'*}
	body=${body%$'\n'}
	checks=$((checks + 1))
}

expect_status() {
	[ "$status" = "$1" ] || fail "status $status, expected $1; body: $body"
	checks=$((checks + 1))
}

# start_postgres: a real PostgreSQL (Debian's server binaries) on a free loopback port,
# trust authentication, C collation; sets PG_URL. Stopped and removed when the test exits.
# initdb refuses to run as root, so as root the cluster belongs to the postgres user (in
# a directory of its own under /tmp, which it can reach).
start_postgres() {
	local bin port as="" try
	bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
	[ -x "$bin/initdb" ] || fail "no PostgreSQL server binaries under /usr/lib/postgresql"
	PG_DIR=$(mktemp -d "${TMPDIR:-/tmp}/ppredict-pg-XXXXXX")
	[ "$(id -u)" = 0 ] && { chown postgres "$PG_DIR"; as="runuser -u postgres --"; }
	trap 'eval "${PG_STOP:-true}" >/dev/null 2>&1; rm -rf "$PG_DIR"' EXIT
	$as "$bin/initdb" -D "$PG_DIR/data" -A trust -U postgres --no-locale -E UTF8 >"$PG_DIR/initdb.log" 2>&1 ||
		fail "initdb failed: $(tail -5 "$PG_DIR/initdb.log")"
	for try in 1 2 3 4 5; do
		port=$((20000 + RANDOM % 30000))
		(exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && continue # taken
		if $as "$bin/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 60 \
			-o "-p $port -k $PG_DIR -c listen_addresses=127.0.0.1 -c fsync=off" start >/dev/null 2>&1; then
			PG_STOP="$as $bin/pg_ctl -D $PG_DIR/data -m immediate stop"
			PG_URL="postgresql://postgres@127.0.0.1:$port/postgres"
			return 0
		fi
	done
	fail "PostgreSQL did not start: $(tail -5 "$PG_DIR/server.log" 2>/dev/null)"
}

# start_s3: an S3-compatible server (npm s3rver) on a free loopback port with a bucket
# "lake"; sets S3_PORT and the AWS_* credentials. Stopped when the test exits.
start_s3() {
	local bin="$ROOT/tests/node/node_modules/.bin/s3rver" try
	[ -x "$bin" ] || fail "no s3rver under tests/node (make deps)"
	mkdir -p s3data
	for try in 1 2 3 4 5; do
		S3_PORT=$((20000 + RANDOM % 30000))
		(exec 3<>"/dev/tcp/127.0.0.1/$S3_PORT") 2>/dev/null && continue
		"$bin" -d s3data -a 127.0.0.1 -p "$S3_PORT" --service-endpoint localhost \
			--configure-bucket lake >s3.log 2>&1 &
		S3_PID=$!
		trap 'kill $S3_PID 2>/dev/null' EXIT
		for _ in $(seq 100); do
			grep -q "listening" s3.log 2>/dev/null && break
			kill -0 "$S3_PID" 2>/dev/null || break
			sleep 0.1
		done
		grep -q "listening" s3.log && break
	done
	grep -q "listening" s3.log || fail "s3rver did not start: $(tail -5 s3.log)"
	export AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER AWS_REGION=us-east-1
}

# start_redis: a Redis server of our own (Debian's redis-server) on a free loopback port,
# no persistence, in the test's directory; sets REDIS_URL (database 0) and REDIS_PID.
start_redis() {
	local try port
	command -v redis-server >/dev/null || fail "no redis-server (make deps)"
	for try in 1 2 3 4 5; do
		port=$((20000 + RANDOM % 30000))
		(exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && continue
		redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly no --dir "$PWD" \
			--loglevel warning >redis.log 2>&1 &
		REDIS_PID=$!
		trap 'kill $REDIS_PID 2>/dev/null || true' EXIT
		for _ in $(seq 100); do
			(exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
			sleep 0.05
		done
		if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
			REDIS_URL="redis://127.0.0.1:$port/0"
			return 0
		fi
		kill "$REDIS_PID" 2>/dev/null
	done
	fail "redis-server did not start: $(tail -5 redis.log)"
}
