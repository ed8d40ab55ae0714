# lib.sh - helpers for integration tests. Each test script runs in a fresh temp dir
# (TEST_TMP, also the cwd) with PPREDICT_BIN pointing at the binary under test.
set -u
PP=${PPREDICT_BIN:?PPREDICT_BIN is not set}
ROOT=${PPREDICT_ROOT:?PPREDICT_ROOT is not set}
unset PPREDICT_CONFIG
checks=0

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

# expect_exit CODE CMD... : runs CMD, checks its exit code; output in $out, stderr in $err
expect_exit() {
	local want=$1
	shift
	set +e
	"$@" >out.txt 2>err.txt
	local got=$?
	set -e
	out=$(cat out.txt)
	err=$(cat err.txt)
	[ "$got" = "$want" ] || fail "'$*' exited $got, expected $want; stderr: $err"
	checks=$((checks + 1))
}

# contains HAYSTACK NEEDLE [what]
contains() {
	case "$1" in
	*"$2"*) checks=$((checks + 1)) ;;
	*) fail "${3:-output} does not contain '$2'; it is: $1" ;;
	esac
}

not_contains() {
	case "$1" in
	*"$2"*) fail "${3:-output} contains '$2'; it is: $1" ;;
	*) checks=$((checks + 1)) ;;
	esac
}

equals() {
	[ "$1" = "$2" ] || fail "${3:-value} is '$1', expected '$2'"
	checks=$((checks + 1))
}

done_ok() {
	echo "$checks checks passed"
	exit 0
}
