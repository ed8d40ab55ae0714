#!/bin/sh
# Runs every benchmark built in BUILD/bench, prints their figures as they come, and writes
# them all to BENCHMARKS.md (or $BENCHMARKS): the machine they ran on, each benchmark's
# output (with the peers' figures measured in the same run, as ratios), and how long it took.
# Usage: bench/run.sh [BUILD]     (make bench calls this)
set -eu
build=${1:-build}
out=${BENCHMARKS:-BENCHMARKS.md}
tmp=$(mktemp "${TMPDIR:-/tmp}/ppredict-bench-XXXXXX")
trap 'rm -f "$tmp"' EXIT

cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)
mem=$(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)
os=$(. /etc/os-release 2>/dev/null && echo "$PRETTY_NAME" || uname -s)
{
	echo "# ppredict benchmarks"
	echo
	echo "Written by \`make bench\` ($(date -u +%Y-%m-%dT%H:%MZ)); run it again to measure your machine."
	echo "Each figure is the median of several runs where the benchmark says so; the machine is"
	echo "shared, so expect some spread between runs. Ratios are against peers run on the same"
	echo "machine in the same run."
	echo
	echo "| machine | |"
	echo "|---|---|"
	echo "| CPU | ${cpu:-unknown} |"
	echo "| cores | $(nproc) |"
	echo "| memory | $mem |"
	echo "| system | $os, Linux $(uname -r), $(uname -m) |"
	echo "| compiler | $(${CC:-cc} --version 2>/dev/null | head -1) |"
	echo "| ppredict | $("$build/ppredict" --version) ($(git rev-parse --short HEAD 2>/dev/null || echo 'no git')) |"
} >"$tmp"
cat "$tmp"

for b in "$build"/bench/bench_* bench/bench_*.sh; do
	[ -x "$b" ] || continue
	name=$(basename "$b")
	start=$(date +%s)
	echo
	echo "## $name"
	{
		echo
		echo "## $name"
		echo
		echo '```'
	} >>"$tmp"
	# the figures on the terminal as they come, and into the file
	{
		rc=0
		PPREDICT_BIN="$build/ppredict" "$b" 2>&1 || rc=$?
		[ "$rc" = 0 ] || echo "($name failed with status $rc)"
	} | tee -a "$tmp"
	{
		echo '```'
		echo
		echo "($name took $(($(date +%s) - start)) s)"
	} >>"$tmp"
done
mv "$tmp" "$out"
trap - EXIT
echo
echo "written to $out"
