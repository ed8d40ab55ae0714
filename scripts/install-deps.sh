#!/bin/sh
# Installs the Debian 12 packages ppredict needs to build, test and run its demo.
# Idempotent: packages already present are left alone and apt is not touched at all
# when nothing is missing, so `make test` on a ready machine starts at once.
set -eu

# Build: compilers, headers of the libraries we link.
BUILD_PKGS="build-essential gcc clang make pkg-config libyaml-dev libzstd-dev"
# Test: the zstd CLI reads our segments independently, jq checks JSON output,
# libFuzzer ships with clang's runtime.
TEST_PKGS="zstd jq libclang-rt-14-dev coreutils procps"

missing=""
for p in $BUILD_PKGS $TEST_PKGS; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
		missing="$missing $p"
	fi
done

if [ -z "$missing" ]; then
	echo "install-deps: all packages present"
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
