#!/bin/bash
# The S3 backend against an S3-compatible server started here (npm s3rver): objects put,
# read (whole and by range), listed, removed; put-if-absent; a multipart upload; then the
# whole pipeline on an s3:// lake gives the same tables as on a local one, a Delta commit
# conflict on S3 is refused, and vacuum deletes through S3.
. "$PPREDICT_ROOT/tests/integration/lib.sh"
set -e

start_s3
T="$PPREDICT_TOOLS/lake_object"

# the backend's operations, virtual-host style (bucket.s3.localhost:port)
export AWS_ENDPOINT_URL="http://s3.localhost:$S3_PORT"
printf 'hello, lake\n' > small.txt
expect_exit 0 "$T" s3://lake/objs put a/b/small.txt small.txt
expect_exit 0 "$T" s3://lake/objs get a/b/small.txt
equals "$out" "hello, lake" "object read back"
expect_exit 0 "$T" s3://lake/objs get a/b/small.txt 7 4
equals "$out" "lake" "a range of it"
expect_exit 3 "$T" s3://lake/objs put a/b/small.txt small.txt noreplace
contains "$err" "s3://lake/objs/a/b/small.txt exists"
expect_exit 0 "$T" s3://lake/objs put "a/c d/x+y.txt" small.txt
expect_exit 0 "$T" s3://lake/objs ls a
equals "$(sed 's/ [0-9]*$//' <<<"$out" | sort)" "$(printf 'a/b/small.txt 12\na/c d/x+y.txt 12')" "listing under a/"
# each with when it was written (S3's LastModified): within the last ten minutes
now_ms=$(( $(date +%s) * 1000 ))
for mtime in $(awk '{print $NF}' <<<"$out"); do
	[ "$mtime" -gt $((now_ms - 600000)) ] && [ "$mtime" -le $((now_ms + 60000)) ] ||
		fail "a listed object's time is off: $mtime (now $now_ms)"
done
expect_exit 0 "$T" s3://lake/objs ls a/b
equals "$(sed 's/ [0-9]*$//' <<<"$out")" "a/b/small.txt 12" "listing under a/b/"
head -c 20000000 /dev/urandom > big.bin # > lake.s3_part_size (16 MiB): a multipart upload
expect_exit 0 "$T" s3://lake/objs put big.bin big.bin
"$T" s3://lake/objs get big.bin | cmp -s - big.bin || fail "the multipart object differs"
checks=$((checks + 1))
expect_exit 0 "$T" s3://lake/objs rm a/b/small.txt
expect_exit 4 "$T" s3://lake/objs get a/b/small.txt
contains "$err" "no such object"
expect_exit 0 "$T" s3://lake/objs rm a/b/small.txt # removing what is gone is fine
unset AWS_ENDPOINT_URL

# the pipeline on s3://lake/shop (path style) and on a local lake: the same tables
"$PP" init . >/dev/null
S3="--set lake.root=s3://lake/shop --set lake.s3_endpoint=http://127.0.0.1:$S3_PORT --set lake.s3_path_style=true"
S3W="$S3 --set warehouse.url=sqlite:$PWD/s3.db"
sim="simulate --visitors 3000 --days 4 --duplicate-rate 0.01 --malformed-rate 0.01 --json"
expect_exit 0 "$PP" $S3 $sim
expect_exit 0 "$PP" $sim
expect_exit 0 "$PP" $S3W etl --json
equals "$(jq -c '[.events, .warehouse_tables]' <<<"$out")" "$(jq -c '[.events, 8]' <<<"$out")" "etl on S3"
expect_exit 0 "$PP" etl --json
for t in processed/events processed/quarantine curated/fact_sessions curated/dim_item curated/item_item; do
	expect_exit 0 "$PP" lake show "$t" -n 0 -f csv
	local_rows=$out
	expect_exit 0 "$PP" $S3 lake show "$t" -n 0 -f csv
	if [ "$t" = processed/quarantine ]; then # different segment names and times: compare the reasons
		local_rows=$(cut -d, -f3 <<<"$local_rows" | sort)
		out=$(cut -d, -f3 <<<"$out" | sort)
	fi
	[ "$out" = "$local_rows" ] || fail "$t differs between the S3 and the local lake"
	checks=$((checks + 1))
done
expect_exit 0 "$PP" $S3W sql -f csv "SELECT event_date, \"views\", carts, purchases, sessions FROM agg_daily_funnel ORDER BY 1"
s3_funnel=$out
expect_exit 0 "$PP" sql -f csv "SELECT event_date, \"views\", carts, purchases, sessions FROM agg_daily_funnel ORDER BY 1"
equals "$s3_funnel" "$out" "the funnel from both warehouses"
expect_exit 0 "$PP" $S3 lake fsck
contains "$out" "leftovers of interrupted writes: 0"
# the training set and its matrix (gathered in memory, one put) on S3 as on the local lake
expect_exit 0 "$PP" $S3 features build --json
s3_points=$(jq .points <<<"$out")
expect_exit 0 "$PP" features build --json
equals "$s3_points" "$(jq .points <<<"$out")" "training set points on S3"
AWS_ENDPOINT_URL="http://s3.localhost:$S3_PORT" "$T" s3://lake/shop get features/training_set.matrix > s3.matrix
cmp -s s3.matrix lake/features/training_set.matrix || fail "the matrix on S3 differs from the local one"
checks=$((checks + 1))

# a Delta commit conflict: another writer commits the version this one read up to
AWS_ENDPOINT_URL="http://s3.localhost:$S3_PORT" expect_exit 3 "$T" s3://lake/shop delta-race processed/events
contains "$err" "committed by another writer"
expect_exit 0 "$PP" $S3 simulate --visitors 300 --days 1 --start 2015-05-07 --seed 3 --json
expect_exit 0 "$PP" $S3W etl --json
equals "$(jq .version <<<"$out")" "1" "version after new data"

# vacuum through S3: the files the new version removed go, the table still reads
expect_exit 0 "$PP" $S3 lake vacuum processed/events --retain-hours 0 --json
[ "$(jq .deleted <<<"$out")" -ge 1 ] || fail "vacuum deleted nothing: $out"
checks=$((checks + 1))
expect_exit 0 "$PP" $S3 lake show processed/events -n 0 -f csv
[ "$(wc -l <<<"$out")" -gt 1 ] || fail "processed/events unreadable after vacuum"

# settings errors name what to set
expect_exit 1 env -u AWS_ACCESS_KEY_ID "$PP" $S3 lake ls
contains "$err" "no S3 credentials"
expect_exit 1 "$PP" --set lake.root=s3://lake/shop --set lake.s3_endpoint=http://127.0.0.1:1 --set lake.s3_path_style=true lake ls
contains "$err" "s3://lake/"
expect_exit 1 "$PP" $S3 sql "SELECT 1"
contains "$err" "give an absolute path"
done_ok
