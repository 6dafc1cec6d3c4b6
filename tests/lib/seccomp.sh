# tests/lib/seccomp.sh — for t_sec_seccomp*.sh (sourced by tests/lib.sh):
# an apply refused for the target's seccomp filter changes nothing.

# expect_refused CALL [PREFIX...]: `apply` (run after PREFIX, e.g. as
# another user) exits 1 with one line naming seccomp, CALL (an ERE) and
# the process; the target then runs, untraced, with the same mappings and
# open files, and answers as the old version.
expect_refused() {
	local call=$1 maps_before fds_before
	shift
	expect_eq 6 "$(ask call 5)" "compute(5) before"
	maps_before=$(maps_nostack)
	fds_before=$(ls "/proc/$TPID/fd")
	expect_exit 1 "$@" "$NONSTOP" apply --timeout 5 "$TPID" fix.nsp
	expect_one_error_line
	expect_stderr_match 'seccomp'
	expect_stderr_match "$call"
	expect_stderr_match "process $TPID\\>"
	expect_alive
	if grep -q 'nonstop:' "/proc/$TPID/maps"; then
		fail "a nonstop: mapping was left in the target: $(grep 'nonstop:' "/proc/$TPID/maps")"
	fi
	expect_eq "$maps_before" "$(maps_nostack)" "the target's mappings"
	expect_eq "$fds_before" "$(ls "/proc/$TPID/fd")" "the target's open files"
	expect_eq 6 "$(ask call 5)" "compute(5) after the refused apply (old)"
}
