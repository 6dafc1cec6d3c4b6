# --json is one JSON document on stdout, whatever happens: a success, a
# refusal, a process that does not exist, a patch file that is not one, a
# usage error (exit 2), a command ended by its deadline (SIGALRM), and
# revert --all, whatever number of patches it reverts (an array
# "reverted" in the one document), also when it fails.
. "$TEST_LIB"
build_case host
expect_exit 0 "$NONSTOP" build --name "j1-$$" -o fix.nsp --new-binary v2/prog \
	--binary v1/prog v1 v2
expect_exit 0 "$NONSTOP" build --name "j2-$$" -o fix2.nsp --binary v2/prog v2 v1
mkdir out
printf 'not a patch' >bad.nsp

# one_doc FILTER: last.out is one JSON document, and FILTER holds on it.
one_doc() {
	[ "$(jq -s length last.out 2>/dev/null)" = 1 ] ||
		fail "stdout is not one JSON document: $(cat last.out)"
	jq -e "$1" last.out >/dev/null || fail "not $1: $(cat last.out)"
}

host_start out/a v1/prog out/a
expect_exit 1 "$NONSTOP" status --json 999999999
one_doc '.ok == false and .exit == 1 and (.error | test("no process"))'
expect_exit 1 "$NONSTOP" status --json 4194000
one_doc '.ok == false'
expect_exit 1 "$NONSTOP" show --json bad.nsp
one_doc '.ok == false and (.error | test("bad.nsp"))'
expect_exit 1 "$NONSTOP" apply --json "$HPID" bad.nsp
one_doc '.ok == false'
expect_exit 2 "$NONSTOP" apply --json --no-such-option "$HPID" fix.nsp
one_doc '.ok == false and .usage and .exit == 2'
expect_exit 2 "$NONSTOP" revert --json
one_doc '.ok == false and .usage'
expect_exit 2 "$NONSTOP" show fix.nsp --json extra
one_doc '.usage'

expect_exit 1 "$NONSTOP" revert --all --json 999999999
one_doc '.ok == false and (.error | length > 0)'
expect_exit 0 "$NONSTOP" revert --all --json "$HPID"
one_doc ".ok and .pid == $HPID and (.reverted | length) == 0"

# The deadline (SIGALRM) ends an apply that waits at its first step.
NONSTOP_FAULT_AT=1 NONSTOP_FAULT_SLEEP_MS=5000 "$NONSTOP" apply --json "$HPID" fix.nsp \
	>last.out 2>last.err &
apid=$!
sleep 0.5
kill -ALRM "$apid"
wait "$apid" && fail "apply ended by its deadline exited 0"
one_doc '.ok == false and .exit == 1 and (.error | test("not done within"))'
host_wait out/a 1
expect_exit 0 "$NONSTOP" apply --json "$HPID" fix.nsp
one_doc '.ok'
host_wait out/a 2
expect_exit 0 "$NONSTOP" apply --json "$HPID" fix2.nsp
host_wait out/a 1
expect_exit 0 "$NONSTOP" revert --all --json "$HPID"
one_doc ".ok and (.reverted | length) == 2 and .reverted[0].patch == \"j2-$$\" and .reverted[1].patch == \"j1-$$\""
host_wait out/a 1
expect_exit 0 "$NONSTOP" status --json "$HPID"
one_doc ".pid == $HPID and (.patches | length) == 0"
