#!/bin/bash
# The command line: help, version, exit codes, error messages.
. "$PPREDICT_ROOT/tests/integration/lib.sh"
set -e

expect_exit 0 "$PP" --version
contains "$out" "ppredict 0."
expect_exit 0 "$PP" help
contains "$out" "simulate"
contains "$out" "lake ls"
expect_exit 0 "$PP" help simulate
contains "$out" "--seed N"
contains "$out" "(default: 42)"
contains "$out" "--config FILE"
expect_exit 0 "$PP" simulate --help
contains "$out" "usage: ppredict simulate"
expect_exit 0 "$PP" help lake
contains "$out" "lake cat"
expect_exit 2 "$PP"
contains "$err" "usage: ppredict <command>"
expect_exit 2 "$PP" frobnicate
equals "$err" "ppredict: 'frobnicate' is not a command (see 'ppredict help')"
expect_exit 2 "$PP" help frobnicate
expect_exit 2 "$PP" lake
contains "$err" "missing subcommand"
expect_exit 2 "$PP" lake rm
contains "$err" "unknown subcommand 'rm'"
expect_exit 2 "$PP" simulate --no-such-option
contains "$err" "ppredict simulate: unknown option '--no-such-option'"
expect_exit 2 "$PP" simulate --visitors many
contains "$err" "ppredict simulate: --visitors: expected a whole number from 1 to"
expect_exit 2 "$PP" simulate --start 2015-02-30
contains "$err" "--start: expected a date (YYYY-MM-DD) or RFC 3339 time, got '2015-02-30'"
expect_exit 2 "$PP" simulate --seed
contains "$err" "--seed needs a value (N)"
expect_exit 2 "$PP" simulate extra
contains "$err" "unexpected argument 'extra'"
expect_exit 2 "$PP" import
contains "$err" "missing arguments"
expect_exit 2 "$PP" import x.csv
contains "$err" "ppredict import: --format is required"
expect_exit 2 "$PP" simulate --format parquet --out x
contains "$err" "--format: expected ndjson, retailrocket or rees46, got 'parquet'"
expect_exit 2 "$PP" simulate --format rees46
contains "$err" "needs --out FILE"
expect_exit 1 "$PP" import --format ndjson does-not-exist.ndjson
contains "$err" "ppredict import: cannot open does-not-exist.ndjson: No such file or directory"
done_ok
