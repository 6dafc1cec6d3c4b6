# tests/lib/kill.sh — checks of the kill case's target (tests/cases/kill)
# and the fault injection, for the tests that kill nonstop or make it fail
# (t_kill_steps, t_kill_random, t_replace, t_sec_race...); sourced by
# tests/lib.sh. They check the target started last.

# kill_healthy: the target runs, no thread is stopped or traced, and it
# counted no wrong result, register or wake-up.
kill_healthy() {
	expect_alive >&2
	[ "$(ask bad)" = 0 ] || fail "wrong results, registers or wake-ups: $(ask why)"
	# libgcc's unwinder walks every registered object: one left behind
	# by a revert would crash the target here.
	[ "$(ask bt)" -gt 0 ] || fail "backtrace() in the target failed"
}

# kill_version: checks the target (kill_healthy) and prints old or new:
# both patched functions are of one version, and `status` agrees (the
# patch is named "fix").
kill_version() {
	local v st
	kill_healthy
	v=$(ask v)
	st=$("$NONSTOP" status --json "$TPID" | grep -o '"state":"[a-z]*"' | cut -d'"' -f4 || true)
	case $v in
	"a=old b=old") [ "$st" != applied ] || fail "old code, but status says '$st'"
		echo old ;;
	"a=new b=new") [ "$st" = applied ] || fail "new code, but status says '${st:-nothing}'"
		echo new ;;
	*) fail "mixed versions: $v" ;;
	esac
}

# kill_applied: the names of the patches `status` says are applied, in
# order, separated by spaces.
kill_applied() {
	"$NONSTOP" status --json "$TPID" |
		grep -o '"name":"[^"]*","seq":[0-9]*,"state":"applied"' |
		cut -d'"' -f4 | paste -sd' ' || true
}

# kill_no_leftovers: no patch memory and no memfd descriptor of nonstop's
# in the target.
kill_no_leftovers() {
	if grep -q 'nonstop:' "/proc/$TPID/maps"; then
		fail "patch memory left in the target: $(grep nonstop: "/proc/$TPID/maps")"
	fi
	if ls -l "/proc/$TPID/fd" | grep -q 'memfd:nonstop'; then
		fail "descriptor left open in the target: $(ls -l "/proc/$TPID/fd" | grep memfd)"
	fi
}

# steps OP ARGS...: how many fault points `nonstop OP ARGS` passes on its
# way to success (it runs it).
steps() {
	NONSTOP_FAULT_LOG=1 "$NONSTOP" "$@" 2>&1 >/dev/null | grep -c '^nonstop: step'
}

# run_at MODE K OP ARGS...: runs `nonstop OP ARGS` with step K failing
# (MODE fail) or killing nonstop (MODE kill); prints its exit code. Its
# stderr is kept in fault.err.
run_at() {
	local mode=$1 k=$2 rc=0
	shift 2
	if [ "$mode" = kill ]; then
		NONSTOP_FAULT_AT=$k NONSTOP_FAULT_KILL=1 timeout 60 "$NONSTOP" "$@" \
			>/dev/null 2>fault.err || rc=$?
	else
		NONSTOP_FAULT_AT=$k timeout 60 "$NONSTOP" "$@" >/dev/null 2>fault.err || rc=$?
	fi
	echo "$rc"
}
