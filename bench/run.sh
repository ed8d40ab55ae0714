#!/bin/sh
# Runs every benchmark built in BUILD/bench and prints their figures.
# Usage: bench/run.sh [BUILD]     (make bench calls this)
set -eu
build=${1:-build}
echo "ppredict benchmarks on $(nproc) cores, $(uname -m), $(date -u +%Y-%m-%dT%H:%MZ)"
echo "(median of several runs; the machine is shared, so expect some spread)"
for b in "$build"/bench/bench_* bench/bench_*.sh; do
	[ -x "$b" ] || continue
	echo
	echo "## $(basename "$b")"
	PPREDICT_BIN="$build/ppredict" "$b"
done
