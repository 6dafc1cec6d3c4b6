# tests/lib/kill.sh — checks of the kill case's target (tests/cases/kill),
# for the tests that kill nonstop or make it fail against it (t_kill_steps,
# t_kill_random, t_replace, t_sec_race); sourced by tests/lib.sh. They
# check the target started last.

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
	local v
	kill_healthy
	v=$(ask v)
	case $v in
	"a=old b=old") v=old ;;
	"a=new b=new") v=new ;;
	*) fail "mixed versions: $v" ;;
	esac
	status_agrees "$v" "$(patch_states)"
	echo "$v"
}

# kill_applied: the names of the patches `status` says are applied, in
# order, separated by spaces.
kill_applied() {
	"$NONSTOP" status --json "$TPID" |
		grep -o '"name":"[^"]*","seq":[0-9]*,"state":"applied"' |
		cut -d'"' -f4 | paste -sd' ' || true
}
