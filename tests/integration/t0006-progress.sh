#!/bin/bash
# Progress lines: shown for jobs over a second with --progress, silent otherwise when
# stderr is not a terminal, and never for jobs shorter than a second.
. "$PPREDICT_ROOT/tests/integration/lib.sh"
set -e

# About 3M events: past one second even on a fast machine.
expect_exit 0 "$PP" simulate --visitors 1500000 --out /dev/null --no-catalog --progress
contains "$err" "simulate: "
contains "$err" " events/s"
contains "$err" "ETA"
contains "$out" "simulated "
expect_exit 0 "$PP" simulate --visitors 1500000 --out /dev/null --no-catalog
not_contains "$err" "events/s" "stderr without --progress"
expect_exit 0 "$PP" simulate --visitors 100 --out /dev/null --progress
not_contains "$err" "events/s" "stderr of a short job"
done_ok
