# timeout: 60
# A target under a seccomp filter that denies (EPERM) what nonstop needs in
# it — memfd_create, or mmap/mprotect with PROT_EXEC, or both: apply exits 1
# with one line on stderr naming the call that was denied and the process,
# and the target is left as it was: no nonstop: mapping, no new file
# descriptor, the same mappings (the main stack aside), the old behaviour,
# and it runs on, untraced.
. "$TEST_LIB"
build_case hyg_seccomp
make_patch fix.nsp

for mode in memfd exec all; do
	note "--- seccomp denies: $mode"
	start_target v1/prog "$mode"
	case $mode in
	memfd) want="memfd=denied exec=allowed" call='memfd_create' ;;
	exec) want="memfd=allowed exec=denied" call='mmap|mprotect' ;;
	all) want="memfd=denied exec=denied" call='memfd_create' ;;
	esac
	expect_eq "$want" "$(ask probe)" "what the filter denies, tried by the target"
	expect_eq 2 "$(awk '/^Seccomp:/ {print $2}' "/proc/$TPID/status")" "seccomp mode of the target"
	expect_eq 6 "$(ask call 5)" "compute(5) before"
	maps_before=$(maps_nostack)
	fds_before=$(ls "/proc/$TPID/fd")
	expect_exit 1 "$NONSTOP" apply --timeout 5 "$TPID" fix.nsp
	expect_one_error_line
	expect_stderr_match "$call"
	expect_stderr_match "\\<$TPID\\>"
	if grep -q 'nonstop:' "/proc/$TPID/maps"; then
		fail "a nonstop: mapping was left in the target: $(grep 'nonstop:' "/proc/$TPID/maps")"
	fi
	note "ok: no nonstop: mapping in the target"
	expect_eq "$maps_before" "$(maps_nostack)" "the target's mappings"
	expect_eq "$fds_before" "$(ls "/proc/$TPID/fd")" "the target's open files"
	expect_eq 6 "$(ask call 5)" "compute(5) after the refused apply (old)"
	expect_exit 1 "$NONSTOP" revert "$TPID"
	expect_alive
	stop_target
done
