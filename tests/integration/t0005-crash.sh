#!/bin/bash
# Crash safety of the raw zone: a writer killed at any point leaves a readable lake with
# no partial segment visible.
. "$PPREDICT_ROOT/tests/integration/lib.sh"
set -e

# Every visible segment is whole: zstd verifies it and its lines match its summary.
check_lake() {
	local n=0 f
	while IFS= read -r f; do
		zstd -tq "$f" || fail "damaged segment visible: $f"
		n=$((n + 1))
	done < <(find lake/raw -name 'part-*.ndjson.zst')
	expect_exit 0 "$PP" lake ls --zone events --json
	local listed
	listed=$(jq -s 'map(.lines) | add // 0' <<<"$out")
	equals "$("$PP" lake cat | wc -l)" "$listed" "lines read vs summaries"
	echo "$n segments intact" >&2
}

# 1. killed half-way through writing the 5th segment
"$PP" init a >/dev/null
cd a
set +e
# (one flush thread: segments are stored strictly in order, so the count is exact)
PPREDICT_CRASH_AT=write:5 "$PP" simulate --visitors 20000 --set lake.flush_threads=1 >/dev/null 2>&1
rc=$?
set -e
equals "$rc" "137" "exit status of a process killed by SIGKILL"
equals "$(find lake/raw/events -name 'part-*.ndjson.zst' | wc -l)" "4" "visible segments"
equals "$(find lake/raw/events -name '.part-*.tmp-*' | wc -l)" "1" "hidden partial file"
check_lake
# fsck finds the leftovers anywhere in the lake (the segment's, and the files the
# simulator was writing beside it), --repair removes them (their writer is dead)
left=$(find lake -name '.*.tmp-*' | wc -l)
[ "$left" -ge 1 ] || fail "no hidden partial files"
expect_exit 0 "$PP" lake fsck
contains "$out" "leftover: raw/events/"
contains "$out" "leftovers of interrupted writes: $left (0 removed, 0 in progress)"
expect_exit 0 "$PP" lake fsck --repair
contains "$out" "($left removed, 0 in progress)"
equals "$(find lake -name '.*.tmp-*' | wc -l)" "0" "leftovers after --repair"
# the lake takes more writes after the crash
expect_exit 0 "$PP" simulate --visitors 2000 --seed 3
check_lake
# a damaged segment is found and named
seg=$(find lake/raw/events -name 'part-*.ndjson.zst' | sort | head -1)
printf 'XXXXXXXXXXXXXXXX' | dd of="$seg" bs=1 seek=60 conv=notrunc 2>/dev/null
expect_exit 1 "$PP" lake fsck
contains "$out" "damaged: ${seg#lake/}"
contains "$err" "ppredict lake fsck: 1 damaged segments"
cd ..

# 2. killed after the data is synced but before the rename: still invisible
"$PP" init b >/dev/null
cd b
set +e
PPREDICT_CRASH_AT=rename:3 "$PP" simulate --visitors 20000 --set lake.flush_threads=1 >/dev/null 2>&1
set -e
equals "$(find lake/raw/events -name 'part-*.ndjson.zst' | wc -l)" "2" "visible segments"
check_lake
cd ..

# 3. an import killed at random moments, several times over the same lake
"$PP" simulate --visitors 60000 --format retailrocket --out rr/events.csv >/dev/null
"$PP" init c >/dev/null
cd c
for i in 1 2 3 4 5; do
	"$PP" import --format retailrocket ../rr/events.csv >/dev/null 2>&1 &
	pid=$!
	sleep "0.$((RANDOM % 4))$((RANDOM % 10))"
	kill -9 "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	check_lake
done
cd ..

# 4. a file output killed mid-way never appears under its name
set +e
PPREDICT_CRASH_AT=write:1 "$PP" simulate --visitors 20000 --out out/events.ndjson >/dev/null 2>&1
set -e
[ ! -e out/events.ndjson ] || fail "a partial output file is visible"
done_ok
