#!/bin/bash
# ppredict pipeline and scheduler on small DAGs of cheap commands: order and failure
# propagation, soft tasks, retries with doubling delays, timeouts, idempotent re-runs,
# --only, backfill, depends_on_past, catchup, the one-run lock (a second run and a second
# scheduler refused and told who runs; kill -9 the holder and the next run takes over).
. "$PPREDICT_ROOT/tests/integration/lib.sh"
set -e

"$PP" init . >/dev/null
sqlite3 lake/warehouse.db "CREATE TABLE present (x INTEGER); INSERT INTO present VALUES (1);"

expect_exit 0 "$PP" pipeline dag
contains "$out" "name: etl"
contains "$out" "schedule:"

# a DAG file that is wrong is an error naming it and the task
cat >bad.yaml <<'EOF'
dag: bad
schedule: "0 3 * * *"
tasks:
  - {name: a, command: [no-such-command]}
EOF
expect_exit 1 "$PP" pipeline run --set pipeline.dag=bad.yaml
contains "$err" "bad.yaml: task a: command"

# order and failure: b fails (its table is missing), so c does not run; d is soft, so its
# failure is "refused" and e runs after it; f depends on nothing that failed
cat >flow.yaml <<'EOF'
dag: flow
schedule: "0 3 * * *"
tasks:
  - {name: a, command: [sql, "SELECT x FROM present"]}
  - {name: b, command: [sql, "SELECT x FROM missing"], depends_on: [a]}
  - {name: c, command: [sql, "SELECT 1"], depends_on: [b]}
  - {name: d, command: [sql, "SELECT x FROM missing_too"], depends_on: [a], soft: true}
  - {name: e, command: [sql, "SELECT 2"], depends_on: [d]}
  - {name: f, command: [lake, ls], depends_on: [a]}
EOF
F="--set pipeline.dag=flow.yaml"
expect_exit 1 "$PP" pipeline run $F --from 2026-01-05
contains "$err" "b failed: ./lake/warehouse.db: the query: no such table: missing"
expect_exit 0 "$PP" pipeline runs $F --json
run1=$(jq -r '.[0].id' <<<"$out")
states=$(jq -r '.[0].tasks | map("\(.task)=\(.state)") | join(" ")' <<<"$out")
equals "$states" "a=success b=failed c=upstream_failed d=refused e=success f=success" "task states"
jq -e '.[0].state == "failed" and .[0].data_start == "2026-01-05T00:00:00.000Z" and
	.[0].data_end == "2026-01-06T00:00:00.000Z" and .[0].trigger == "manual"' <<<"$out" >/dev/null ||
	fail "the run: $out"
jq -e '.[0].tasks[] | select(.task == "c") | .why == "b failed"' <<<"$out" >/dev/null || fail "c: $out"
jq -e '.[0].tasks[] | select(.task == "b") | .exit_code == 1 and .tries == 1' <<<"$out" >/dev/null ||
	fail "b: $out"
expect_exit 0 "$PP" pipeline logs "$run1" b $F
contains "$out" "try 1 of 1: -c ppredict.yaml --set pipeline.dag=flow.yaml sql 'SELECT x FROM missing'"
contains "$out" "no such table: missing"
expect_exit 1 "$PP" pipeline logs nope $F
contains "$err" "no pipeline run 'nope'"

# run again, same interval, same data: what succeeded is skipped, the rest runs again
sqlite3 lake/warehouse.db "CREATE TABLE missing (x INTEGER);"
expect_exit 0 "$PP" pipeline run $F --from 2026-01-05
contains "$out" "skipped"
expect_exit 0 "$PP" pipeline runs $F --json
states=$(jq -r '.[0].tasks | map("\(.task)=\(.state)") | join(" ")' <<<"$out")
equals "$states" "a=skipped b=success c=success d=skipped e=skipped f=skipped" "states of the re-run"
jq -e --arg r "$run1" '.[0].tasks[0].why == "done in run \($r) for this interval and data"' <<<"$out" \
	>/dev/null || fail "a: $out"
# --force runs everything; --only one task alone
expect_exit 0 "$PP" pipeline run $F --from 2026-01-05 --force
expect_exit 0 "$PP" pipeline runs $F --json -n 1
equals "$(jq -r '[.[0].tasks[] | select(.state == "success")] | length' <<<"$out")" 5 "forced successes"
expect_exit 0 "$PP" pipeline run $F --from 2026-01-05 --only c --force
expect_exit 0 "$PP" pipeline runs $F --json -n 1
states=$(jq -r '.[0].tasks | map("\(.task)=\(.state)") | join(" ")' <<<"$out")
equals "$states" "a=not_run b=not_run c=success d=not_run e=not_run f=not_run" "--only"
expect_exit 2 "$PP" pipeline run $F --only nope
contains "$err" "no task 'nope'"
# new data is a new data version: nothing is skipped
expect_exit 0 "$PP" simulate --visitors 300 --days 1 --seed 1 --start 2026-01-05
expect_exit 0 "$PP" pipeline run $F --from 2026-01-05
not_contains "$out" "skipped"

# retries: the table appears after the first try failed; the delay doubles each try
cat >retry.yaml <<'EOF'
dag: retry
schedule: "@daily"
tasks:
  - {name: wait, command: [sql, "SELECT x FROM later"], retries: 4, retry_delay: 1s}
  - {name: never, command: [sql, "SELECT x FROM never"], retries: 2, retry_delay: 1s}
EOF
R="--set pipeline.dag=retry.yaml"
(
	for _ in $(seq 300); do
		grep -qs "no such table: later" lake/_meta/pipeline/runs/*/wait.log && break
		sleep 0.05
	done
	sqlite3 lake/warehouse.db "CREATE TABLE later (x INTEGER)"
) &
expect_exit 1 "$PP" pipeline run $R
wait
contains "$err" "never failed: ./lake/warehouse.db: the query: no such table: never (after every retry)"
expect_exit 0 "$PP" pipeline runs $R --json -n 1
jq -e '.[0].tasks[] | select(.task == "wait") | .state == "success" and .tries >= 2' <<<"$out" >/dev/null ||
	fail "wait: $out"
jq -e '.[0].tasks[] | select(.task == "never") | .state == "failed" and .tries == 3' <<<"$out" >/dev/null ||
	fail "never: $out"
log=$(jq -r '.[0].tasks[] | select(.task == "never") | .log' <<<"$out")
# the tries' starts, from the log's headers: at least 1 s, then 2 s apart
node -e '
	const ts = require("fs").readFileSync(process.argv[1], "utf8").split("\n")
		.filter(l => l.startsWith("== ")).map(l => Date.parse(l.slice(3, 27)));
	if (ts.length !== 3) throw new Error("tries: " + ts.length);
	if (ts[1] - ts[0] < 1000 || ts[2] - ts[1] < 2000) throw new Error("delays: " + (ts[1] - ts[0]) + ", " + (ts[2] - ts[1]));
' "$log" || fail "retry delays"
checks=$((checks + 1))

# a timeout: the task (a server that would run for ever) is stopped, its process is gone
cat >slow.yaml <<'EOF'
dag: slow
schedule: "@daily"
tasks:
  - {name: forever, command: [serve, --set, server.listen=127.0.0.1:0, --set, "lake.root=slow-lake"], timeout: 1s}
EOF
expect_exit 1 "$PP" pipeline run --set pipeline.dag=slow.yaml
contains "$err" "forever failed: timed out after 1 s"
pgrep -f "lake.root=slow-lake" >/dev/null && fail "the timed-out task still runs"
checks=$((checks + 1))

# backfill: one run a day; done days skipped; --force runs them again
cat >daily.yaml <<'EOF'
dag: daily
schedule: "0 3 * * *"
timezone: America/New_York
tasks:
  - {name: one, command: [sql, "SELECT '{from}' AS f, '{to}' AS t"]}
  - {name: past, command: [sql, "SELECT x FROM gate"], depends_on: [one], depends_on_past: true}
EOF
D="--set pipeline.dag=daily.yaml"
expect_exit 1 "$PP" pipeline backfill $D --from 2026-03-07 --to 2026-03-09
contains "$out" "backfill 2026-03-07..2026-03-09: 3 runs (3 failed)"
expect_exit 0 "$PP" pipeline runs $D --json
# New York's day of the spring change is 23 hours long
jq -e 'map(.data_start + " " + .data_end) == ["2026-03-09T04:00:00.000Z 2026-03-10T04:00:00.000Z",
	"2026-03-08T05:00:00.000Z 2026-03-09T04:00:00.000Z", "2026-03-07T05:00:00.000Z 2026-03-08T05:00:00.000Z"]' \
	<<<"$out" >/dev/null || fail "intervals: $out"
# depends_on_past: the first day's `past` failed, so the next days' did not run
jq -e '[.[] | .tasks[] | select(.task == "past") | .state] == ["not_run", "not_run", "failed"]' <<<"$out" \
	>/dev/null || fail "depends_on_past: $out"
id=$(jq -r '.[2].id' <<<"$out")
expect_exit 0 "$PP" pipeline logs "$id" one $D
contains "$out" "2026-03-07"
sqlite3 lake/warehouse.db "CREATE TABLE gate (x INTEGER)"
expect_exit 0 "$PP" pipeline backfill $D --from 2026-03-07 --to 2026-03-09
contains "$out" "3 runs (0 failed), 0 days done already"
expect_exit 0 "$PP" pipeline backfill $D --from 2026-03-06 --to 2026-03-09
contains "$out" "1 runs (0 failed), 3 days done already"
expect_exit 0 "$PP" pipeline backfill $D --from 2026-03-08 --to 2026-03-09 --force
contains "$out" "2 runs (0 failed)"
expect_exit 2 "$PP" pipeline backfill $D --from 2026-03-08
expect_exit 2 "$PP" pipeline run $D --from 2026-02-30
contains "$err" "expected a date"

# catchup: a scheduler that was away runs every missed firing (catchup: true) or the newest;
# the first firings are those from the DAG's start_date
cat >often.yaml <<'EOF'
dag: often
schedule: "*/10 * * * *"
timezone: UTC
catchup: true
start_date: 2026-04-01T10:00:00Z
tasks:
  - {name: one, command: [sql, "SELECT 1"]}
EOF
O="--set pipeline.dag=often.yaml"
expect_exit 0 "$PP" scheduler --once --now 2026-04-01T10:05:00Z $O
contains "$out" "for 2026-04-01T10:00:00.000Z succeeded"
expect_exit 0 "$PP" scheduler --once --now 2026-04-01T10:45:00Z $O
equals "$(grep -c '^run .* for .* succeeded' <<<"$out")" 4 "caught-up firings"
expect_exit 0 "$PP" pipeline runs $O --json
jq -e 'map(.scheduled_for) == ["2026-04-01T10:40:00.000Z", "2026-04-01T10:30:00.000Z", "2026-04-01T10:20:00.000Z",
	"2026-04-01T10:10:00.000Z", "2026-04-01T10:00:00.000Z"] and (map(.trigger) | unique) == ["scheduled"] and
	.[0].data_start == "2026-04-01T10:30:00.000Z" and .[0].data_end == "2026-04-01T10:40:00.000Z"' <<<"$out" \
	>/dev/null || fail "catchup: $out"
expect_exit 0 "$PP" scheduler --once --now 2026-04-01T10:45:00Z $O
not_contains "$out" "succeeded" "a second look at the same time"
sed -i 's/catchup: true/catchup: false/' often.yaml
expect_exit 0 "$PP" scheduler --once --now 2026-04-01T12:05:00Z $O
equals "$(grep -c '^run .* for .* succeeded' <<<"$out")" 1 "firings without catchup"
contains "$out" "for 2026-04-01T12:00:00.000Z"
expect_exit 2 "$PP" scheduler --now 2026-04-01T12:05:00Z $O
# without a start_date, a scheduler starts from its own start: nothing is due yet
sed '/start_date/d; s/dag: often/dag: later/' often.yaml >later.yaml
expect_exit 0 "$PP" scheduler --once --now 2026-04-01T12:05:00Z --set pipeline.dag=later.yaml
not_contains "$out" "succeeded"

# the lock: a run under way is named to a second run and to a scheduler; kill -9 it and the
# next run takes over, closing the dead run as failed
cat >hold.yaml <<'EOF'
dag: hold
schedule: "*/10 * * * *"
start_date: 2026-04-01
tasks:
  - {name: long, command: [serve, --set, server.listen=127.0.0.1:0, --set, "lake.root=hold-lake"], timeout: 1h}
EOF
H="--set pipeline.dag=hold.yaml"
"$PP" pipeline run $H >holder.out 2>&1 &
holder=$!
for _ in $(seq 200); do
	pgrep -f "lake.root=hold-lake" >/dev/null && break
	sleep 0.05
done
pgrep -f "lake.root=hold-lake" >/dev/null || fail "the long task did not start: $(cat holder.out)"
expect_exit 1 "$PP" pipeline run $H
contains "$err" "another run holds"
contains "$err" "pid $holder on"
expect_exit 0 "$PP" scheduler --once --now 2026-04-01T10:05:00Z $H
contains "$err" "waits: another run holds"
expect_exit 0 "$PP" pipeline status $H --json
jq -e --arg p "$holder" '(.lock_holder | startswith("pid \($p) on")) and .last_run.state == "running"' \
	<<<"$out" >/dev/null || fail "status: $out"
kill -9 "$holder"
wait "$holder" 2>/dev/null || true
for _ in $(seq 100); do # the task dies with its runner
	pgrep -f "lake.root=hold-lake" >/dev/null || break
	sleep 0.05
done
pgrep -f "lake.root=hold-lake" >/dev/null && fail "the task outlived its killed runner"
expect_exit 0 "$PP" pipeline status $H --json
jq -e '.lock_holder == null' <<<"$out" >/dev/null || fail "a dead holder is shown: $out"
sed -i 's/timeout: 1h/timeout: 1s/' hold.yaml
expect_exit 1 "$PP" pipeline run $H
contains "$err" "timed out"
expect_exit 0 "$PP" pipeline runs $H --json
jq -e '.[1].state == "failed" and (.[1].why | contains("its runner died")) and
	.[1].tasks[0].state == "failed"' <<<"$out" >/dev/null || fail "the dead run: $out"

# two schedulers at the same firing: one runs it, the other leaves it (the lock is held, or
# the firing is recorded already)
cat >duo.yaml <<'EOF2'
dag: duo
schedule: "0 * * * *"
start_date: 2026-04-01T09:30:00Z
tasks:
  - {name: slow, command: [serve, --set, server.listen=127.0.0.1:0, --set, "lake.root=duo-lake"], timeout: 2s}
EOF2
U="--set pipeline.dag=duo.yaml"
"$PP" scheduler --once --now 2026-04-01T10:05:00Z $U >duo1.out 2>&1 &
one=$!
"$PP" scheduler --once --now 2026-04-01T10:05:00Z $U >duo2.out 2>&1 &
two=$!
wait $one $two
expect_exit 0 "$PP" pipeline runs $U --json
equals "$(jq 'length' <<<"$out")" 1 "runs of the firing"
jq -e '.[0].scheduled_for == "2026-04-01T10:00:00.000Z"' <<<"$out" >/dev/null || fail "the firing: $out"
# the other found the lock held, or the firing recorded already: either way it ran nothing
equals "$(cat duo1.out duo2.out | grep -c '^run .* for 2026-04-01T10:00:00.000Z')" 1 "schedulers that ran the firing"
done_ok
