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

# a run whose segments were processed but not recorded (a crash at the end) gives the same rows
rm lake/_meta/etl/raw_events.done
expect_exit 0 "$PP" etl --json
equals "$(jq .rows_written <<<"$out")" "$((events + more))" "rows after reprocessing everything"
equals "$(duck "SELECT count(*) n, count(DISTINCT event_id) i FROM read_parquet([$(delta_files "$t")])" | jq -c '[.n, .i]')" \
	"[\"$((events + more))\",\"$((events + more))\"]" "rows and ids after reprocessing"
funnel_check "after reprocessing"
done_ok
