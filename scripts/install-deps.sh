#!/bin/sh
# Installs the Debian 12 packages ppredict needs to build, test and run its demo.
# Idempotent: packages already present are left alone and apt is not touched at all
# when nothing is missing, so `make test` on a ready machine starts at once.
#   install-deps.sh          everything (make deps, make test)
#   install-deps.sh build    only what building and running needs (make demo)
#   install-deps.sh bench    everything, and the peers the benchmarks compare with
set -eu
scope=${1:-all}

# Build: compilers, headers of the libraries we link.
BUILD_PKGS="build-essential gcc clang make pkg-config libyaml-dev libzstd-dev libmicrohttpd-dev zlib1g-dev libcurl4-openssl-dev libjansson-dev libsqlite3-dev libpq-dev liblmdb-dev libhiredis-dev libxgboost-dev tzdata"
# Test: the zstd CLI and DuckDB (from npm, below) read our files independently, jq checks
# JSON output, libFuzzer ships with clang's runtime; XGBoost's Python package and scikit-learn
# read the models we write; chromium (driven by playwright-core from npm) loads the dashboard.
TEST_PKGS="zstd jq libclang-rt-14-dev coreutils procps curl wrk postgresql-15 sqlite3 redis-server python3-xgboost python3-sklearn chromium"

# Benchmarks: pandas (Debian's) does the ETL for a ratio beside DuckDB's; FastAPI, uvicorn and
# XGBoost's Python package serve predictions the old stack's way beside ours.
BENCH_PKGS=""
[ "$scope" = bench ] && BENCH_PKGS="python3 python3-pandas python3-zstandard python3-redis python3-fastapi python3-uvicorn python3-xgboost"

# Node.js: npm fetches the dashboard's chart library at build (web/package-lock.json) and
# runs the test readers; a machine may already have its own node (then keep it).
NODE_PKGS=""
command -v node >/dev/null 2>&1 || NODE_PKGS="nodejs"
command -v npm >/dev/null 2>&1 || NODE_PKGS="$NODE_PKGS npm"
if [ "$scope" != all ] && [ "$scope" != bench ]; then
	TEST_PKGS=""
fi

here=$(cd "$(dirname "$0")/.." && pwd)

# npm packages for the tests, pinned by tests/node/package-lock.json.
install_node_modules() {
	[ "$scope" = all ] || [ "$scope" = bench ] || return 0
	lock="$here/tests/node/package-lock.json"
	stamp="$here/tests/node/node_modules/.installed-lock"
	if [ -f "$stamp" ] && cmp -s "$lock" "$stamp"; then
		return 0
	fi
	echo "install-deps: npm ci in tests/node"
	(cd "$here/tests/node" && npm ci --no-audit --no-fund --loglevel=error)
	cp "$lock" "$stamp"
}

missing="$NODE_PKGS"
for p in $BUILD_PKGS $TEST_PKGS $BENCH_PKGS; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
		missing="$missing $p"
	fi
done

if [ -z "$missing" ]; then
	echo "install-deps: all packages present"
	install_node_modules
	exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
	SUDO=sudo
else
	SUDO=
fi

echo "install-deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing
install_node_modules
