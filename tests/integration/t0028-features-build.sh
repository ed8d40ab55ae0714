#!/bin/bash
# ppredict features build: the prediction points are the ones the definition gives
# (counted again by DuckDB from processed/events), labels say whether the session buys
# later, and features recomputed by DuckDB from the events at or before each point agree
# for every point: no leakage from the future.
. "$PPREDICT_ROOT/tests/integration/lib.sh"
set -e

"$PP" init . >/dev/null
expect_exit 1 "$PP" features build
contains "$err" "processed/events (run \`ppredict etl\` first)"
expect_exit 0 "$PP" simulate --visitors 4000 --days 7 --bot-share 0.005
expect_exit 0 "$PP" etl --no-warehouse
expect_exit 0 "$PP" outliers
expect_exit 0 "$PP" features build --json
built=$out

ev="read_parquet([$(delta_files "$PWD/lake/processed/events")], hive_partitioning = true)"
ts="read_parquet([$(delta_files "$PWD/lake/features/training_set")], hive_partitioning = true)"
bots="read_parquet([$(delta_files "$PWD/lake/curated/visitor_outliers")])"
# the points: every non-purchase before its session's first purchase, bots left out
theirs=$(duck "WITH e AS (SELECT * FROM $ev), f AS (SELECT session_id, min(ts) t FROM e WHERE event = 'transaction' GROUP BY 1)
	SELECT count(*) n, count(f.t) pos FROM e LEFT JOIN f USING (session_id)
	WHERE e.event <> 'transaction' AND (f.t IS NULL OR e.ts < f.t)
	  AND e.visitor_id NOT IN (SELECT visitor_id FROM $bots)")
equals "$(jq .points <<<"$built")" "$(jq -r .n <<<"$theirs")" "prediction points"
equals "$(jq .positives <<<"$built")" "$(jq -r .pos <<<"$theirs")" "positive points"
[ "$(jq .bot_points_skipped <<<"$built")" -gt 0 ] || fail "no bot points left out: $built"
equals "$(duck "SELECT count(*) n FROM $ts" | jq -r .n)" "$(jq .points <<<"$built")" "rows in the table"

# features recomputed from the events at or before each point, for every point
wrong=$(duck "WITH e AS (SELECT * FROM $ev), p AS (SELECT * FROM $ts)
	SELECT count(*) FILTER (WHERE s_events IS DISTINCT FROM se OR s_views IS DISTINCT FROM sv OR s_carts IS DISTINCT FROM sc OR s_items IS DISTINCT FROM si
	                          OR i_views IS DISTINCT FROM iv OR v_purchases IS DISTINCT FROM vp OR abs(coalesce(s_cart_value, 0) - coalesce(scv, 0)) > 1e-9 OR (s_cart_value IS NULL) <> (scv IS NULL)) bad,
	       count(*) n, sum(label) FILTER (WHERE label <> buys) mislabelled
	FROM (SELECT p.*,
	  (SELECT count(*) FROM e x WHERE x.session_id = p.session_id AND x.ts <= p.ts) se,
	  (SELECT count(*) FROM e x WHERE x.session_id = p.session_id AND x.ts <= p.ts AND x.event = 'view') sv,
	  (SELECT count(*) FROM e x WHERE x.session_id = p.session_id AND x.ts <= p.ts AND x.event = 'addtocart') sc,
	  (SELECT count(DISTINCT item_id) FROM e x WHERE x.session_id = p.session_id AND x.ts <= p.ts) si,
	  (SELECT sum(price) FROM e x WHERE x.session_id = p.session_id AND x.ts <= p.ts AND x.event = 'addtocart') scv,
	  (SELECT count(*) FROM e x WHERE x.item_id = p.item_id AND x.event = 'view' AND x.ts <= p.ts
	      AND x.ts > p.ts - INTERVAL 7 DAY) iv,
	  (SELECT count(*) FROM e x WHERE x.visitor_id = p.visitor_id AND x.event = 'transaction' AND x.ts <= p.ts
	      AND x.ts > p.ts - INTERVAL 30 DAY) vp,
	  (SELECT CASE WHEN count(*) > 0 THEN 1 ELSE 0 END FROM e x WHERE x.session_id = p.session_id AND x.event = 'transaction') buys
	  FROM p)")
equals "$(jq -r .bad <<<"$wrong")" "0" "points whose features differ from the events before them"
equals "$(jq -r .mislabelled <<<"$wrong")" "null" "labels"
[ "$(jq -r .n <<<"$wrong")" -gt 5000 ] || fail "too few points compared: $wrong"

# the dense matrix: the same rows, labels, times and values (float32), sessions as hashes
m=lake/features/training_set.matrix
equals "$(head -1 $m)" "PPMATRIX2" "matrix magic"
hdr=$(head -2 $m | tail -1)
hlen=$(head -2 $m | wc -c)
rows=$(jq .rows <<<"$hdr")
cols=$(jq .cols <<<"$hdr")
equals "$rows" "$(jq .points <<<"$built")" "matrix rows"
equals "$(jq -r '.features[0] + " " + .dtype + " " + (.sections | join(","))' <<<"$hdr")" \
	"s_events f32le label:f32le,ts:i64le,group:u64le,values:f32le" "matrix columns and sections"
equals "$(stat -c %s $m)" "$((hlen + 4 * rows + 8 * rows + 8 * rows + 4 * rows * cols))" "matrix size"
equals "$(od -A n -t f4 -v -j "$hlen" -N $((4 * rows)) $m | tr -s ' ' '\n' | awk '$1 != "" { s += $1 } END { print s }')" \
	"$(jq .positives <<<"$built")" "matrix labels"
first=$(duck "SELECT s_events, s_dwell_s, epoch_ms(ts) AS t FROM $ts ORDER BY ts, session_id LIMIT 1")
vals=$((hlen + 4 * rows + 16 * rows))
equals "$(od -A n -t d8 -j $((hlen + 4 * rows)) -N 8 $m | tr -d ' ')" "$(jq -r .t <<<"$first")" "first row's time"
equals "$(od -A n -t f4 -j $vals -N 4 $m | tr -d ' ')" "$(jq -r .s_events <<<"$first")" "first row's s_events"
# rows of one session share a group, rows of two sessions do not
groups=$(od -A n -t x8 -v -j $((hlen + 12 * rows)) -N $((8 * rows)) $m | tr -s ' ' '\n' | awk 'NF' | sort -u | wc -l)
equals "$groups" "$(duck "SELECT count(DISTINCT session_id) n FROM $ts" | jq -r .n)" "distinct session groups"

# get_historical_features for points of the training set: the same values (points whose
# time no other event shares, so "as of" means the same in both)
duck "COPY (SELECT p.session_id, p.visitor_id, p.item_id, epoch_ms(p.ts) AS event_timestamp, 'x,y' AS note
	FROM $ts p WHERE (SELECT count(*) FROM $ev e WHERE e.ts = p.ts) = 1 ORDER BY p.session_id LIMIT 300)
	TO '$PWD/entities.csv' (HEADER)" >/dev/null
printf 's1,v1,i1,soon,bad row\n' >> entities.csv
expect_exit 0 "$PP" features historical entities.csv --out hist.csv
contains "$err" "entities.csv:302: event_timestamp: expected RFC 3339 or epoch milliseconds, got 'soon'"
contains "$err" "300 rows with 46 features as of their times (1 rows left out"
equals "$(head -1 hist.csv | cut -d, -f1-6)" "session_id,visitor_id,item_id,event_timestamp,note,s_events" "header"
diff=$(duck "SELECT count(*) n, count(*) FILTER (WHERE
	  h.s_events IS DISTINCT FROM p.s_events OR h.s_items IS DISTINCT FROM p.s_items
	  OR h.v_events IS DISTINCT FROM p.v_events OR h.i_views IS DISTINCT FROM p.i_views
	  OR abs(coalesce(h.s_dwell_s, 0) - coalesce(p.s_dwell_s, 0)) > 1e-6 OR (h.s_dwell_s IS NULL) <> (p.s_dwell_s IS NULL)
	  OR abs(coalesce(h.s_cart_rate, 0) - coalesce(p.s_cart_rate, 0)) > 1e-12
	  OR abs(coalesce(h.v_since_first_s, 0) - coalesce(p.v_since_first_s, 0)) > 1e-6
	  OR h.note <> 'x,y') bad
	FROM read_csv('$PWD/hist.csv', header = true, all_varchar = false) h
	JOIN $ts p ON p.session_id = h.session_id AND epoch_ms(p.ts) = h.event_timestamp")
equals "$(jq -r .n <<<"$diff")" "300" "historical rows matched to the training set"
equals "$(jq -r .bad <<<"$diff")" "0" "historical features = training-set features"
expect_exit 1 "$PP" features historical /dev/null
contains "$err" "empty: expected a header line"
printf 'a,b\n1,2\n' > nokeys.csv
expect_exit 1 "$PP" features historical nokeys.csv
contains "$err" "nokeys.csv:1: expected a time column"

# one point per session, drawn at random: every session with a point keeps exactly one
# a build killed while its matrix is half written: the last matrix and table stay whole
# (the day files it stored are in no version), what the kill left is a hidden leftover
# that lake fsck finds and removes
before=$(sha256sum lake/features/training_set.matrix | cut -d' ' -f1)
table_before=$(duck "SELECT count(*) n, sum(label) l FROM read_parquet([$(delta_files "$PWD/lake/features/training_set")])")
expect_exit 137 env PPREDICT_CRASH_AT=piece:1 "$PP" features build --points-per-session 2
equals "$(sha256sum lake/features/training_set.matrix | cut -d' ' -f1)" "$before" "the matrix after a killed build"
equals "$(duck "SELECT count(*) n, sum(label) l FROM read_parquet([$(delta_files "$PWD/lake/features/training_set")])")" \
	"$table_before" "the table after a killed build"
equals "$(ls -A lake/features | grep -c '^\.training_set.matrix.tmp-')" "1" "hidden leftovers of the kill"
expect_exit 0 "$PP" lake fsck --repair
contains "$out" "removed: features/.training_set.matrix.tmp-"
equals "$(ls -A lake/features | grep -c '^\.training_set.matrix.tmp-')" "0" "leftovers after fsck --repair"
expect_exit 0 "$PP" features build --json
equals "$(jq .points <<<"$out")" "$(jq .points <<<"$built")" "points after the killed build"
equals "$(sha256sum lake/features/training_set.matrix | cut -d' ' -f1)" "$before" "the same matrix built again"

expect_exit 0 "$PP" features build --points-per-session 1 --seed 7 --json
one=$out
sessions=$(duck "WITH e AS (SELECT * FROM $ev), f AS (SELECT session_id, min(ts) t FROM e WHERE event = 'transaction' GROUP BY 1)
	SELECT count(DISTINCT e.session_id) n FROM e LEFT JOIN f USING (session_id)
	WHERE e.event <> 'transaction' AND (f.t IS NULL OR e.ts < f.t)
	  AND e.visitor_id NOT IN (SELECT visitor_id FROM $bots)" | jq -r .n)
equals "$(jq .points <<<"$one")" "$sessions" "one point per session"
equals "$(( $(jq .points <<<"$one") + $(jq .sampled_out <<<"$one") ))" "$(jq .points <<<"$built")" "the others sampled out"
ts1="read_parquet([$(delta_files "$PWD/lake/features/training_set")], hive_partitioning = true)"
equals "$(duck "SELECT max(c) m FROM (SELECT count(*) c FROM $ts1 GROUP BY session_id)" | jq -r .m)" "1" "at most one per session"
first_pick=$(duck "SELECT string_agg(session_id || '@' || epoch_ms(ts), ',' ORDER BY session_id) s FROM $ts1" | jq -r .s)
expect_exit 0 "$PP" features build --points-per-session 1 --seed 7
equals "$(duck "SELECT string_agg(session_id || '@' || epoch_ms(ts), ',' ORDER BY session_id) s FROM read_parquet([$(delta_files "$PWD/lake/features/training_set")], hive_partitioning = true)" | jq -r .s)" \
	"$first_pick" "the same seed draws the same points"
expect_exit 0 "$PP" features build --points-per-session 1 --seed 8
[ "$(duck "SELECT string_agg(session_id || '@' || epoch_ms(ts), ',' ORDER BY session_id) s FROM read_parquet([$(delta_files "$PWD/lake/features/training_set")], hive_partitioning = true)" | jq -r .s)" != "$first_pick" ] ||
	fail "another seed drew the same points"

# a window of dates; bots back in
expect_exit 0 "$PP" features build --from 2015-05-05 --to 2015-05-06 --include-bots --json
equals "$(jq .bot_points_skipped <<<"$out")" "0" "bots kept"
equals "$(duck "SELECT min(event_date) || ' ' || max(event_date) d FROM $(echo "read_parquet([$(delta_files "$PWD/lake/features/training_set")], hive_partitioning = true)")" | jq -r .d)" \
	"2015-05-05 2015-05-06" "the window's dates"
expect_exit 2 "$PP" features build --from 2015-5-5
contains "$err" "--from: expected a date"
expect_exit 2 "$PP" features build --from 2015-05-06 --to 2015-05-05
contains "$err" "is after --to"
expect_exit 1 "$PP" features build --from 2016-01-01
contains "$err" "no prediction points"
done_ok
