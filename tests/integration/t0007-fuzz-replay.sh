#!/bin/bash
# Every fuzz target replays its corpus plus deterministic mutations of it (the build's
# sanitizers, if any, watch). `make fuzz` builds the coverage-guided versions.
. "$PPREDICT_ROOT/tests/integration/lib.sh"
set -e

dir=${PPREDICT_FUZZ_DIR:?PPREDICT_FUZZ_DIR is not set}
n=0
for corpus in "$ROOT"/tests/fuzz/corpus/*/; do
	target=$(basename "$corpus")
	[ -x "$dir/$target" ] || fail "fuzz target $target was not built"
	"$dir/$target" -n 300 "$corpus" || fail "$target failed on its corpus"
	n=$((n + 1))
done
[ "$n" -ge 5 ] || fail "only $n fuzz targets"
checks=$n
done_ok
