#!/bin/bash
# init and configuration: lookup order, relative paths, errors that name the key.
. "$PPREDICT_ROOT/tests/integration/lib.sh"
set -e

expect_exit 0 "$PP" init shop
[ -f shop/ppredict.yaml ] || fail "no shop/ppredict.yaml"
[ -d shop/lake/raw/events ] || fail "no lake skeleton"
contains "$(cat shop/ppredict.yaml)" "session_gap: 30m"
contains "$(cat shop/ppredict.yaml)" "# Inactivity that ends a session"
expect_exit 1 "$PP" init shop
contains "$err" "shop/ppredict.yaml already exists (use --force to overwrite it)"
expect_exit 0 "$PP" init --force shop

# defaults with no file at all
expect_exit 0 "$PP" config
contains "$out" "# source: (defaults)"
contains "$out" 'root: "lake"'

# -c: relative paths resolve against the file's directory
expect_exit 0 "$PP" -c shop/ppredict.yaml config
contains "$out" 'root: "shop/lake"'
expect_exit 0 "$PP" config -c shop/ppredict.yaml
contains "$out" 'root: "shop/lake"'
# PPREDICT_CONFIG, then ./ppredict.yaml
PPREDICT_CONFIG=shop/ppredict.yaml expect_exit 0 "$PP" config
contains "$out" "# source: shop/ppredict.yaml"
(cd shop && expect_exit 0 "$PP" config && contains "$out" "# source: ppredict.yaml")
# --set overrides
expect_exit 0 "$PP" config -c shop/ppredict.yaml --set lake.zstd_level=9 --set events.session_gap=45m
contains "$out" "zstd_level: 9"
contains "$out" "session_gap: 2700000ms"

# errors name file, line and key
printf 'lake:\n  root: x\n  zstd_levle: 3\n' > bad1.yaml
expect_exit 1 "$PP" config -c bad1.yaml
equals "$err" "ppredict config: bad1.yaml:3: unknown key 'lake.zstd_levle' (did you mean 'lake.zstd_level'?)"
printf 'server:\n  access_log: sometimes\n' > bad2.yaml
expect_exit 1 "$PP" config -c bad2.yaml
equals "$err" "ppredict config: bad2.yaml:2: server.access_log: expected true or false, got 'sometimes'"
printf 'lake:\n  root: "x\n' > bad3.yaml
expect_exit 1 "$PP" config -c bad3.yaml
contains "$err" "bad3.yaml:3:"
contains "$err" "YAML syntax error"
expect_exit 1 "$PP" config -c missing.yaml
contains "$err" "cannot open missing.yaml"
expect_exit 1 "$PP" config --set lake.nope=1
contains "$err" "--set: unknown key 'lake.nope'"
expect_exit 2 "$PP" config --set novalue
contains "$err" "--set: expected KEY=VALUE"
# a bad config stops every command before it does anything
expect_exit 1 "$PP" simulate -c bad1.yaml --visitors 10
[ ! -d lake ] || fail "a command ran despite a bad config"
done_ok
