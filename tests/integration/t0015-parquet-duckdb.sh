#!/bin/bash
# DuckDB reads the Parquet files we write: every type, nulls, empty strings, dictionary
# and plain strings, ZSTD and uncompressed pages, several row groups with statistics.
. "$PPREDICT_ROOT/tests/integration/lib.sh"
set -e

tool=${PPREDICT_TOOLS:?PPREDICT_TOOLS is not set}/parquet_sample

# what the sample holds, computed independently
expected=$(seq 0 9999 | awk '{
	n++; s += $1
	if ($1 % 7) { np++; sp += $1 * 0.25 }
	if ($1 % 3 == 0) f++
	if ($1 % 13) { nn++; if ($1 % 11 == 0) e++ }
	sm += $1 % 100 - 50
} END { printf "%d %d %d %.1f %d %d %d %d", n, s, np, sp, f, nn, e, sm }')

for codec in zstd none; do
	"$tool" "sample-$codec.parquet" "$codec" 10000 3000
	row=$(duck "SELECT count(*) n, sum(id) s, count(price) np, round(sum(price), 1) sp,
		sum(flag::int) f, count(name) nn, count(*) FILTER (WHERE name = '') e,
		sum(small) sm, count(DISTINCT name) dn, min(day)::VARCHAR d0, max(day)::VARCHAR d1,
		epoch_ms(max(ts)) t1, count(*) FILTER (WHERE note = 'row 4242') note
		FROM '$PWD/sample-$codec.parquet'")
	got=$(jq -r '"\(.n) \(.s) \(.np) \(.sp) \(.f) \(.nn) \(.e) \(.sm)"' <<<"$row")
	equals "$got" "$expected" "aggregates over sample-$codec.parquet"
	equals "$(jq -r .dn <<<"$row")" "51" "distinct names"
	equals "$(jq -r .d0 <<<"$row")" "2013-10-22" "first DATE"
	equals "$(jq -r .d1 <<<"$row")" "2013-11-20" "last DATE"
	equals "$(jq -r .t1 <<<"$row")" "$((1433221332117 + 9999 * 1000))" "last TIMESTAMP (ms)"
	equals "$(jq -r .note <<<"$row")" "1" "a PLAIN string"
	# a few rows, value by value
	equals "$(duck "SELECT id, small, price, flag, name, note, strftime(day, '%Y-%m-%d') AS d FROM '$PWD/sample-$codec.parquet' WHERE id IN (0, 11, 14, 26) ORDER BY id" | jq -c '[.id, .small, .price, .flag, .name, .note, .d]' | tr '\n' ' ')" \
		'["0",-50,null,true,null,"row 0","2013-10-22"] ["11",-39,2.75,false,"","row 11","2013-11-02"] ["14",-36,null,false,"n14","row 14","2013-11-05"] ["26",-24,6.5,false,null,"row 26","2013-11-17"] ' "rows 0, 11, 14, 26"
	# row groups and their statistics as DuckDB sees them
	meta=$(duck "SELECT row_group_id, column_id, stats_min_value, stats_max_value, stats_null_count, compression, encodings
		FROM parquet_metadata('$PWD/sample-$codec.parquet') ORDER BY row_group_id, column_id")
	equals "$(jq -s 'map(.row_group_id) | unique | length' <<<"$meta")" "4" "row groups"
	equals "$(jq -r 'select(.row_group_id == "1" and .column_id == "0") | "\(.stats_min_value) \(.stats_max_value)"' <<<"$meta")" "3000 5999" "id stats of row group 1"
	equals "$(jq -r 'select(.row_group_id == "0" and .column_id == "2") | .stats_null_count' <<<"$meta")" "429" "price nulls in row group 0"
	equals "$(jq -r 'select(.row_group_id == "0" and .column_id == "4") | .encodings' <<<"$meta")" "PLAIN, RLE, RLE_DICTIONARY" "name encodings"
	want=$([ $codec = zstd ] && echo ZSTD || echo UNCOMPRESSED)
	equals "$(jq -r 'select(.column_id == "5") | .compression' <<<"$meta" | sort -u)" "$want" "codec"
done
# our reader reads our files as DuckDB does
dump=${PPREDICT_TOOLS}/parquet_dump
as_tsv="concat_ws(chr(9), COALESCE(id::VARCHAR, 'NULL'), COALESCE(small::VARCHAR, 'NULL'),
	COALESCE(price::VARCHAR, 'NULL'), COALESCE(flag::VARCHAR, 'NULL'), COALESCE(name, 'NULL'),
	COALESCE(note, 'NULL'), COALESCE((\"day\" - DATE '1970-01-01')::VARCHAR, 'NULL'),
	COALESCE(epoch_ms(ts)::VARCHAR, 'NULL')) AS line"
for codec in zstd none; do
	duck "SELECT $as_tsv FROM '$PWD/sample-$codec.parquet'" | jq -r .line > duck-$codec.tsv
	"$dump" "sample-$codec.parquet" > ours-$codec.tsv
	equals "$(sha256sum < ours-$codec.tsv)" "$(sha256sum < duck-$codec.tsv)" "our reader vs DuckDB on sample-$codec"
done
# and the files DuckDB writes, for the encodings we claim (PLAIN, dictionary; ZSTD, none)
for codec in ZSTD UNCOMPRESSED; do
	duck "COPY (SELECT i::BIGINT id, (i % 100 - 50)::INTEGER small,
		CASE WHEN i % 7 = 0 THEN NULL ELSE i * 0.25 END::DOUBLE price, i % 3 = 0 AS flag,
		CASE WHEN i % 13 = 0 THEN NULL ELSE 'n' || (i % 50) END AS name, 'row ' || i AS note,
		(DATE '2013-10-22' + (i % 30)::INTEGER) AS \"day\",
		make_timestamp(1433221332117000 + i * 1000000) AS ts
		FROM range(20000) t(i)) TO '$PWD/duck-$codec.parquet' (FORMAT PARQUET, COMPRESSION $codec,
		ROW_GROUP_SIZE 7000)" >/dev/null
	"$dump" "duck-$codec.parquet" > ours.tsv || fail "our reader failed on a DuckDB $codec file"
	duck "SELECT concat_ws(chr(9), id::VARCHAR, small::VARCHAR, COALESCE(price::VARCHAR, 'NULL'),
		flag::VARCHAR, COALESCE(name, 'NULL'), note, (\"day\" - DATE '1970-01-01')::VARCHAR,
		epoch_us(ts)::VARCHAR) AS line FROM '$PWD/duck-$codec.parquet'" | jq -r .line > duck.tsv
	equals "$(wc -l < ours.tsv)" "20000" "rows read from DuckDB's $codec file"
	equals "$(sha256sum < ours.tsv)" "$(sha256sum < duck.tsv)" "our reader vs DuckDB on DuckDB's $codec file"
done

# row-group skipping works on our statistics: a filter on id reads one row group
equals "$(duck "SELECT count(*) c FROM '$PWD/sample-zstd.parquet' WHERE id BETWEEN 6100 AND 6200" | jq -r .c)" "101"
done_ok
