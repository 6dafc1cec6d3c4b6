# tests/cases/kill/check.sh — checks shared by the tests that kill nonstop
# (t_kill_steps, t_kill_random); sourced after lib.sh, with the kill case's
# target started and its patch named "fix".

# kill_version: checks the target and prints old or new: it runs, no thread
# is stopped or traced, it counted no wrong result, register or wake-up,
# both patched functions are of one version, and `status` agrees.
kill_version() {
	local v st
	expect_alive >&2
	[ "$(ask bad)" = 0 ] || fail "wrong results, registers or wake-ups: $(ask why)"
	# libgcc's unwinder walks every registered object: one left behind
	# by a revert would crash the target here.
	[ "$(ask bt)" -gt 0 ] || fail "backtrace() in the target failed"
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
