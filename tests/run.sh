#!/usr/bin/env bash
# tests/run.sh — runs nonstop's tests (make check runs it after make).
#
#   bash tests/run.sh [NAME...]     NAME: t_foo or a substring of it; a
#                                   NAME no test has is refused (exit 2)
#   bash tests/run.sh --list        every test, with what it checks
#   bash tests/run.sh --help
#
# Every tests/t_*.sh runs in a fresh temporary directory of its own, with a
# time limit (TEST_TIMEOUT seconds, default 120, or the test's own
# "# timeout: SECONDS" line), and prints PASS or FAIL with
# the end of its output. The last line is always "N passed, N failed"; the
# exit status is 1 if any test failed. KEEP=1 keeps the temporary directories.
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export ROOT
export NONSTOP="${NONSTOP:-$ROOT/build/nonstop}"
# No host trust policy applies to the tests' unsigned patches (the tests of
# signatures set their own keys directory).
export NONSTOP_KEYS_DIR="$ROOT/build/no-keys.d"
export TESTS="$ROOT/tests"
export CASES="$ROOT/tests/cases"
export TEST_LIB="$ROOT/tests/lib.sh"
TEST_TIMEOUT=${TEST_TIMEOUT:-120}

usage() {
	cat <<'USAGE'
usage: bash tests/run.sh [NAME...]   (make check: every test, about 20 minutes
                                     on 2 CPUs)
       bash tests/run.sh --list      every test and the first line of what it checks
       bash tests/run.sh --help

NAME is a test's name (t_host_apply) or a part of it (host: every test whose
name contains it); a NAME no test's name contains is an error. Each test runs
in a fresh temporary directory, with a time limit (TEST_TIMEOUT, default 120 s,
or the test's own "# timeout: SECONDS" line); KEEP=1 keeps the directories.
The last line is "N passed, N failed"; the exit status is 1 if a test failed,
2 on a usage error.
USAGE
}

all=()
for t in "$TESTS"/t_*.sh; do
	all+=("$(basename "$t" .sh)")
done
# tests/t_foo.sh names t_foo too.
args=()
for want in "$@"; do
	want=${want##*/}
	args+=("${want%.sh}")
done
set -- ${args[@]+"${args[@]}"}
for want in "$@"; do
	case $want in
	-h|--help)
		usage
		exit 0 ;;
	-l|--list)
		for name in "${all[@]}"; do
			printf '%-32s %s\n' "$name" \
				"$(awk '/^# timeout:/ { next } /^#/ { sub(/^# */, ""); print; exit }' "$TESTS/$name.sh")"
		done
		exit 0 ;;
	-*)
		echo "tests: unknown option '$want' (see bash tests/run.sh --help)" >&2
		exit 2 ;;
	esac
	found=0
	for name in "${all[@]}"; do
		[[ $name == *"$want"* ]] && found=1 && break
	done
	if [ $found = 0 ]; then
		echo "tests: no test is named '$want' or has it in its name (bash tests/run.sh --list names them)" >&2
		exit 2
	fi
done

passed=0
failed=0
if [ ! -x "$NONSTOP" ]; then
	echo "tests: $NONSTOP not found: run make first" >&2
	echo "0 passed, 1 failed"
	exit 1
fi

tests=()
for t in "$TESTS"/t_*.sh; do
	name=$(basename "$t" .sh)
	if [ $# -gt 0 ]; then
		match=0
		for want in "$@"; do
			[[ $name == *"$want"* ]] && match=1
		done
		[ $match = 1 ] || continue
	fi
	tests+=("$t")
done

for t in "${tests[@]}"; do
	name=$(basename "$t" .sh)
	dir=$(mktemp -d "${TMPDIR:-/tmp}/nonstop-$name.XXXXXX")
	start=$SECONDS
	# A test may ask for a longer limit with a line "# timeout: SECONDS".
	limit=$(sed -n 's/^# timeout: *\([0-9][0-9]*\)$/\1/p' "$t" | head -n 1)
	limit=${limit:-$TEST_TIMEOUT}
	# timeout signals the whole process group: the test and its targets.
	(cd "$dir" && exec timeout -k 5 "$limit" bash "$t") >"$dir/test.log" 2>&1 </dev/null
	rc=$?
	secs=$((SECONDS - start))
	if [ $rc = 0 ]; then
		echo "PASS $name"
		passed=$((passed + 1))
	else
		[ $rc = 124 ] && echo "timed out after ${limit}s" >>"$dir/test.log"
		echo "FAIL $name"
		echo "    (exit $rc after ${secs}s; the end of its output:)"
		tail -n 25 "$dir/test.log" | sed 's/^/    | /'
		failed=$((failed + 1))
	fi
	if [ "${KEEP:-0}" = 1 ]; then
		echo "    (kept $dir)"
	else
		rm -rf "$dir"
	fi
done

echo "$passed passed, $failed failed"
[ $failed = 0 ]
