#!/bin/bash
# ppredict etl: raw -> processed/events (Delta). Duplicates dropped, invalid lines
# quarantined, late events in their own dates, re-runs change nothing, new data rewrites
# only the dates it touches; DuckDB reads the result.
. "$PPREDICT_ROOT/tests/integration/lib.sh"
set -e

"$PP" init . >/dev/null
expect_exit 0 "$PP" simulate --visitors 20000 --malformed-rate 0.01 --duplicate-rate 0.01 --late-rate 0.02 --json
events=$(jq .events <<<"$out"); malformed=$(jq .malformed <<<"$out"); dups=$(jq .duplicates <<<"$out")
sessions=$(jq .sessions <<<"$out")
expect_exit 0 "$PP" etl --json
equals "$(jq .events <<<"$out")" "$((events + dups))" "valid lines read"
equals "$(jq .duplicates <<<"$out")" "$dups" "duplicates dropped"
equals "$(jq .quarantined <<<"$out")" "$malformed" "lines quarantined"
equals "$(jq .rows_written <<<"$out")" "$events" "rows written"
equals "$(jq .version <<<"$out")" "0" "first version"
t="$PWD/lake/processed/events"
row=$(duck "SELECT count(*) n, count(DISTINCT event_id) ids, count(DISTINCT session_id) s,
	count(*) FILTER (WHERE strftime(ts, '%Y-%m-%d') <> event_date) wrong_day
	FROM read_parquet([$(delta_files "$t")], hive_partitioning = true)")
equals "$(jq -r .n <<<"$row")" "$events" "rows DuckDB reads"
equals "$(jq -r .ids <<<"$row")" "$events" "one row per event_id"
equals "$(jq -r .wrong_day <<<"$row")" "0" "rows in another date's partition"
# sessions: those of the truth, and a few more where a session runs past midnight
s=$(jq -r .s <<<"$row")
[ "$s" -ge "$sessions" ] && [ "$s" -le $((sessions + sessions / 50)) ] || fail "$s sessions for $sessions true ones"
q="$PWD/lake/processed/quarantine"
equals "$(duck "SELECT count(*) n FROM read_parquet([$(delta_files "$q")])" | jq -r .n)" "$malformed" "quarantine rows"
duck "SELECT reason FROM read_parquet([$(delta_files "$q")]) LIMIT 3" | jq -r .reason | grep -q . || fail "no reasons"

# the daily funnel equals what DuckDB computes from the events, date by date
funnel_check() {
	local ours theirs
	ours=$(duck "SELECT event_date, "views", carts, purchases, visitors, sessions, cart_sessions,
		purchase_sessions, round(conversion, 9) conv
		FROM read_parquet([$(delta_files "$PWD/lake/curated/agg_daily_funnel")], hive_partitioning = true)
		ORDER BY event_date" | jq -sc .)
	theirs=$(duck "WITH s AS (SELECT event_date, session_id, bool_or(event = 'addtocart') c,
			bool_or(event = 'transaction') p FROM read_parquet([$(delta_files "$t")], hive_partitioning = true)
			GROUP BY ALL),
		e AS (SELECT event_date, count(*) FILTER (WHERE event = 'view') AS "views",
			count(*) FILTER (WHERE event = 'addtocart') carts,
			count(*) FILTER (WHERE event = 'transaction') purchases,
			count(DISTINCT visitor_id) visitors
			FROM read_parquet([$(delta_files "$t")], hive_partitioning = true) GROUP BY ALL)
		SELECT e.event_date, "views", carts, purchases, visitors, count(*) sessions,
			count(*) FILTER (WHERE c) cart_sessions, count(*) FILTER (WHERE p) purchase_sessions,
			round(count(*) FILTER (WHERE p) / count(*), 9) conv
		FROM e JOIN s USING (event_date) GROUP BY ALL ORDER BY e.event_date" | jq -sc .)
	[ "$(jq length <<<"$ours")" -gt 2 ] || fail "funnel has $(jq length <<<"$ours") dates"
	equals "$(jq '[.[] | .purchase_sessions | tonumber] | add > 0' <<<"$ours")" "true" "purchases counted"
	equals "$ours" "$theirs" "daily funnel ($1)"
	# one fact_sessions row per session of each date, equal to DuckDB's grouping
	row=$(duck "WITH theirs AS (SELECT event_date, session_id, any_value(visitor_id) visitor_id,
			min(ts) start_ts, max(ts) end_ts, count(*) events,
			count(*) FILTER (WHERE event = 'view') AS \"views\",
			count(*) FILTER (WHERE event = 'addtocart') carts,
			count(*) FILTER (WHERE event = 'removefromcart') removes,
			count(*) FILTER (WHERE event = 'transaction') purchases,
			count(DISTINCT item_id) items,
			coalesce(sum(price) FILTER (WHERE event = 'addtocart'), 0) cart_value,
			bool_or(event = 'transaction') purchased
			FROM read_parquet([$(delta_files "$t")], hive_partitioning = true) GROUP BY ALL),
		ours AS (SELECT * FROM read_parquet([$(delta_files "$PWD/lake/curated/fact_sessions")],
			hive_partitioning = true))
		SELECT (SELECT count(*) FROM ours) n_ours, (SELECT count(*) FROM theirs) n_theirs,
			count(*) FILTER (WHERE o.visitor_id <> t.visitor_id OR o.start_ts <> t.start_ts
				OR o.end_ts <> t.end_ts OR o.duration_ms <> epoch_ms(t.end_ts) - epoch_ms(t.start_ts)
				OR o.events <> t.events OR o.\"views\" <> t.\"views\" OR o.carts <> t.carts
				OR o.removes <> t.removes OR o.purchases <> t.purchases OR o.items <> t.items
				OR abs(o.cart_value - t.cart_value) > 1e-6 OR o.purchased <> t.purchased) differ,
			count(*) FILTER (WHERE o.purchased) bought
		FROM ours o JOIN theirs t USING (event_date, session_id)")
	equals "$(jq -r .n_ours <<<"$row")" "$(jq -r .n_theirs <<<"$row")" "sessions, ours and DuckDB's ($1)"
	equals "$(jq -r .differ <<<"$row")" "0" "sessions that differ from DuckDB's ($1)"
	equals "$(jq '[.[] | .sessions | tonumber] | add' <<<"$ours")" "$(jq -r .n_ours <<<"$row")" \
		"funnel sessions and fact_sessions rows ($1)"
	[ "$(jq -r .bought <<<"$row")" -gt 0 ] || fail "no purchased sessions"
	# one agg_item_stats row per item and date, equal to DuckDB's grouping
	row=$(duck "WITH theirs AS (SELECT event_date, item_id,
			count(*) FILTER (WHERE event = 'view') AS \"views\",
			count(*) FILTER (WHERE event = 'addtocart') carts,
			count(*) FILTER (WHERE event = 'removefromcart') removes,
			count(*) FILTER (WHERE event = 'transaction') purchases,
			coalesce(sum(price) FILTER (WHERE event = 'transaction'), 0) revenue,
			count(DISTINCT visitor_id) visitors, count(DISTINCT session_id) sessions
			FROM read_parquet([$(delta_files "$t")], hive_partitioning = true) GROUP BY ALL),
		ours AS (SELECT * FROM read_parquet([$(delta_files "$PWD/lake/curated/agg_item_stats")],
			hive_partitioning = true))
		SELECT (SELECT count(*) FROM ours) n_ours, (SELECT count(*) FROM theirs) n_theirs,
			count(*) FILTER (WHERE o.\"views\" <> t.\"views\" OR o.carts <> t.carts
				OR o.removes <> t.removes OR o.purchases <> t.purchases
				OR abs(o.revenue - t.revenue) > 1e-6 OR o.visitors <> t.visitors
				OR o.sessions <> t.sessions) differ,
			count(*) FILTER (WHERE o.revenue > 0) sold
		FROM ours o JOIN theirs t USING (event_date, item_id)")
	equals "$(jq -r .n_ours <<<"$row")" "$(jq -r .n_theirs <<<"$row")" "item-days, ours and DuckDB's ($1)"
	equals "$(jq -r .differ <<<"$row")" "0" "item-days that differ from DuckDB's ($1)"
	[ "$(jq -r .sold <<<"$row")" -gt 0 ] || fail "no item sold"
	# dim_date: every date of the events once, with DuckDB's calendar
	row=$(duck "WITH d AS (SELECT * FROM read_parquet([$(delta_files "$PWD/lake/curated/dim_date")]))
		SELECT (SELECT count(*) FROM d) n, (SELECT count(DISTINCT date) FROM d) dates,
			(SELECT count(DISTINCT event_date) FROM read_parquet([$(delta_files "$t")], hive_partitioning = true)) event_dates,
			count(*) FILTER (WHERE year <> year(date) OR quarter <> quarter(date) OR month <> month(date)
				OR day <> day(date) OR day_of_year <> dayofyear(date) OR iso_year <> isoyear(date)
				OR iso_week <> week(date) OR iso_weekday <> isodow(date)
				OR weekend <> (isodow(date) >= 6)) differ FROM d")
	equals "$(jq -c '[.n, .dates]' <<<"$row")" "[\"$(jq -r .event_dates <<<"$row")\",\"$(jq -r .event_dates <<<"$row")\"]" "dim_date rows ($1)"
	equals "$(jq -r .differ <<<"$row")" "0" "dim_date rows that differ from DuckDB's calendar ($1)"
}
funnel_check "first run"

# the rest of the star schema, against DuckDB's reading of processed/events and the catalogue
cur="$PWD/lake/curated"
star_check() {
	local ev="read_parquet([$(delta_files "$t")], hive_partitioning = true)"
	# fact_events: the events again, numbered within their sessions
	row=$(duck "WITH f AS (SELECT * FROM read_parquet([$(delta_files "$cur/fact_events")], hive_partitioning = true)),
		g AS (SELECT event_date, session_id, count(*) n, min(session_seq) lo, max(session_seq) hi,
			count(DISTINCT session_seq) k FROM f GROUP BY ALL)
		SELECT (SELECT count(*) FROM f) n, (SELECT count(*) FROM $ev) events,
			(SELECT count(*) FROM f WHERE hour <> hour(ts)) bad_hours,
			(SELECT count(*) FROM g WHERE lo <> 1 OR hi <> n OR k <> n) bad_seq")
	equals "$(jq -c '[.n, .bad_hours, .bad_seq]' <<<"$row")" "[\"$(jq -r .events <<<"$row")\",\"0\",\"0\"]" \
		"fact_events rows, hours, session positions ($1)"
	# dim_visitor: one row per visitor, equal to DuckDB's grouping
	row=$(duck "WITH theirs AS (SELECT visitor_id, min(ts) first_seen, max(ts) last_seen,
			count(DISTINCT event_date) active_days, count(DISTINCT (event_date, session_id)) sessions,
			count(*) events, count(*) FILTER (WHERE event = 'view') AS \"views\",
			count(*) FILTER (WHERE event = 'addtocart') carts,
			count(*) FILTER (WHERE event = 'transaction') purchases,
			coalesce(sum(price) FILTER (WHERE event = 'transaction'), 0) revenue,
			min(ts) FILTER (WHERE event = 'transaction') first_purchase,
			max(ts) FILTER (WHERE event = 'transaction') last_purchase FROM $ev GROUP BY ALL),
		ours AS (SELECT * FROM read_parquet([$(delta_files "$cur/dim_visitor")]))
		SELECT (SELECT count(*) FROM ours) n_ours, (SELECT count(*) FROM theirs) n_theirs,
			count(*) FILTER (WHERE o.first_seen <> t.first_seen OR o.last_seen <> t.last_seen
				OR o.active_days <> t.active_days OR o.sessions <> t.sessions OR o.events <> t.events
				OR o.\"views\" <> t.\"views\" OR o.carts <> t.carts OR o.purchases <> t.purchases
				OR abs(o.revenue - t.revenue) > 1e-6
				OR o.first_purchase IS DISTINCT FROM t.first_purchase
				OR o.last_purchase IS DISTINCT FROM t.last_purchase) differ,
			count(*) FILTER (WHERE o.purchases > 0) buyers
		FROM ours o JOIN theirs t USING (visitor_id)")
	equals "$(jq -r .n_ours <<<"$row")" "$(jq -r .n_theirs <<<"$row")" "visitors, ours and DuckDB's ($1)"
	equals "$(jq -r .differ <<<"$row")" "0" "visitors that differ from DuckDB's ($1)"
	[ "$(jq -r .buyers <<<"$row")" -gt 0 ] || fail "no buyers"
	# dim_item: activity from the events, category and properties from the catalogue
	local props="read_json('$PWD/lake/raw/catalog/item_properties/**/*.ndjson.zst', format = 'newline_delimited',
		compression = 'zstd', columns = {ts: 'BIGINT', item_id: 'VARCHAR', property: 'VARCHAR', value: 'VARCHAR'})"
	# a later segment's tree wins (segments are read in path order)
	local cats="(SELECT category_id, arg_max(parent_id, filename) parent_id FROM
		read_json('$PWD/lake/raw/catalog/categories/**/*.ndjson.zst', format = 'newline_delimited',
		compression = 'zstd', filename = true, columns = {category_id: 'VARCHAR', parent_id: 'VARCHAR'})
		GROUP BY ALL)"
	row=$(duck "WITH act AS (SELECT item_id, min(ts) first_seen, max(ts) last_seen,
			count(*) FILTER (WHERE event = 'view') AS \"views\", count(*) FILTER (WHERE event = 'addtocart') carts,
			count(*) FILTER (WHERE event = 'transaction') purchases,
			coalesce(sum(price) FILTER (WHERE event = 'transaction'), 0) revenue,
			arg_max(price, ts) FILTER (WHERE price IS NOT NULL) last_price FROM $ev GROUP BY ALL),
		latest AS (SELECT item_id, property, arg_max(value, ts) AS value FROM $props GROUP BY ALL),
		cat AS (SELECT item_id, value AS category_id FROM latest WHERE property = 'categoryid'),
		ours AS (SELECT * FROM read_parquet([$(delta_files "$cur/dim_item")]))
		SELECT (SELECT count(*) FROM ours) n_ours,
			(SELECT count(*) FROM (SELECT item_id FROM act UNION SELECT item_id FROM latest)) n_theirs,
			(SELECT count(*) FROM ours o JOIN act a USING (item_id) WHERE o.first_seen <> a.first_seen
				OR o.last_seen <> a.last_seen OR o.\"views\" <> a.\"views\" OR o.carts <> a.carts
				OR o.purchases <> a.purchases OR abs(o.revenue - a.revenue) > 1e-6
				OR o.last_price IS DISTINCT FROM a.last_price) differ,
			(SELECT count(*) FROM ours o JOIN cat c USING (item_id) WHERE o.category_id <> c.category_id
				OR NOT ends_with(o.category_path, o.category_id)
				OR o.category_depth <> len(string_split(o.category_path, '/'))
				OR o.root_category_id <> string_split(o.category_path, '/')[1]) bad_category,
			(SELECT count(*) FROM ours o JOIN $cats c USING (category_id) WHERE o.category_depth > 1
				AND string_split(o.category_path, '/')[-2] <> c.parent_id) bad_parent,
			(SELECT count(*) FROM ours o JOIN latest l ON l.item_id = o.item_id AND l.property = '790'
				WHERE json_extract_string(o.properties, '\$.\"790\"') <> l.value) bad_props,
			(SELECT count(*) FROM ours WHERE category_depth > 1) nested")
	equals "$(jq -r .n_ours <<<"$row")" "$(jq -r .n_theirs <<<"$row")" "items, ours and DuckDB's ($1)"
	equals "$(jq -c '[.differ, .bad_category, .bad_parent, .bad_props]' <<<"$row")" '["0","0","0","0"]' \
		"items that differ from DuckDB's: activity, category, parent, properties ($1)"
	[ "$(jq -r .nested <<<"$row")" -gt 0 ] || fail "no item below a root category"
	# item_item: the top 20 of each item by sessions together, with DuckDB's self-join
	row=$(duck "WITH e AS (SELECT event_date, session_id, item_id, min(ts) first_ts,
			bool_or(event = 'addtocart') c, bool_or(event = 'transaction') b FROM $ev GROUP BY ALL),
		r AS (SELECT *, row_number() OVER (PARTITION BY event_date, session_id ORDER BY first_ts, item_id) k FROM e),
		s AS (SELECT * FROM r WHERE k <= 50),
		p AS (SELECT a.item_id, b.item_id other_item_id, count(*) sessions,
			count(*) FILTER (WHERE a.c AND b.c) carted, count(*) FILTER (WHERE a.b AND b.b) bought
			FROM s a JOIN s b ON a.event_date = b.event_date AND a.session_id = b.session_id
			AND a.item_id <> b.item_id GROUP BY ALL),
		theirs AS (SELECT *, sessions + 2 * carted + 4 * bought score, row_number() OVER (PARTITION BY item_id
			ORDER BY sessions + 2 * carted + 4 * bought DESC, other_item_id) rank FROM p QUALIFY rank <= 20),
		ours AS (SELECT * FROM read_parquet([$(delta_files "$cur/item_item")]))
		SELECT (SELECT count(*) FROM ours) n_ours, (SELECT count(*) FROM theirs) n_theirs,
			(SELECT count(*) FROM ours o JOIN theirs t USING (item_id, rank) WHERE o.other_item_id <> t.other_item_id
				OR o.score <> t.score OR o.sessions <> t.sessions OR o.carted <> t.carted
				OR o.bought <> t.bought) differ,
			(SELECT count(*) FROM ours WHERE carted > 0) carted")
	equals "$(jq -r .n_ours <<<"$row")" "$(jq -r .n_theirs <<<"$row")" "item pairs, ours and DuckDB's ($1)"
	equals "$(jq -r .differ <<<"$row")" "0" "item pairs that differ from DuckDB's ($1)"
	[ "$(jq -r .carted <<<"$row")" -gt 0 ] || fail "no pair carted together"
}
star_check "first run"

# a re-run changes nothing
expect_exit 0 "$PP" etl
contains "$out" "nothing new in the raw zone; processed/events is at version 0"

# new data: only the dates it touches are rewritten, nothing is lost or doubled
expect_exit 0 "$PP" simulate --visitors 2000 --seed 9 --days 3 --start 2015-05-10 --json
more=$(jq .events <<<"$out")
expect_exit 0 "$PP" etl --json
equals "$(jq .partitions <<<"$out")" "3" "dates rewritten"
equals "$(jq .version <<<"$out")" "1" "second version"
equals "$(duck "SELECT count(*) n FROM read_parquet([$(delta_files "$t")])" | jq -r .n)" "$((events + more))" "rows after new data"
funnel_check "after new data"
star_check "after new data"

# a run whose segments were processed but not recorded (a crash at the end) gives the same rows
rm lake/_meta/etl/raw_events.done
expect_exit 0 "$PP" etl --json
equals "$(jq .rows_written <<<"$out")" "$((events + more))" "rows after reprocessing everything"
equals "$(duck "SELECT count(*) n, count(DISTINCT event_id) i FROM read_parquet([$(delta_files "$t")])" | jq -c '[.n, .i]')" \
	"[\"$((events + more))\",\"$((events + more))\"]" "rows and ids after reprocessing"
funnel_check "after reprocessing"
done_ok
