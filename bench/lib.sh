# lib.sh - what the shell benchmarks share: the binary (PPREDICT_BIN, made absolute), the
# repository (ROOT), a fresh lake in a temporary directory removed at exit (the cwd), and
# timing helpers.
set -eu
PP=${PPREDICT_BIN:-build/ppredict}
PP=$(cd "$(dirname "$PP")" && pwd)/$(basename "$PP")
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# bench_start NAME: a new lake in a temporary directory, which becomes the cwd
bench_start() {
	dir=$(mktemp -d "${TMPDIR:-/tmp}/ppredict-bench-$1-XXXXXX")
	trap 'rm -rf "$dir"' EXIT
	cd "$dir"
	"$PP" init . >/dev/null
}

now() { date +%s.%N; }

# median3 CMD...: runs CMD three times (output dropped), prints the median seconds
median3() {
	local t0 t1 times=""
	for _ in 1 2 3; do
		t0=$(now)
		"$@" >/dev/null
		t1=$(now)
		times="$times $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')"
	done
	tr ' ' '\n' <<<"$times" | grep . | sort -n | sed -n 2p
}
