# timeout: 240
# A target whose seccomp filter KILLS it (SECCOMP_RET_KILL_PROCESS) on a
# system call nonstop would run in it — memfd_create (to map the patch),
# mprotect with PROT_EXEC (to make it executable), munmap (what a revert
# needs) — is refused up front: apply exits 1 with one line on stderr
# naming seccomp, the call and the process, and the target lives on as it
# was: untraced, the same mappings (the main stack aside) and open files,
# the old answers. So is a target whose main thread runs in seccomp's
# strict mode. A filter that kills only on calls nonstop never makes
# (ptrace, reboot) lets apply and revert work. And a user who cannot read
# the filter (no CAP_SYS_ADMIN) is refused, the target untouched.
. "$TEST_LIB"
build_case sec_seccomp
make_patch fix.nsp
# Should nonstop kill the target, fail fast rather than wait.
NONSTOP_CMD_TIMEOUT=30

# The maps without the main thread's [stack] line (it may grow by a page).
maps_nostack() {
	grep -v '\[stack\]' "/proc/$TPID/maps" || true
}

# refused MODE CALL [RUNAS...]: apply to a target under filter MODE is
# refused naming CALL, and changes nothing.
refused() {
	local mode=$1 call=$2 maps_before fds_before
	shift 2
	start_target v1/prog "$mode"
	expect_eq "$([ "$mode" = strict ] && echo 1 || echo 2)" \
		"$(awk '/^Seccomp:/ {print $2}' "/proc/$TPID/status")" \
		"seccomp mode of the target ($mode)"
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
	stop_target
}

note "--- the filter kills on memfd_create"
refused memfd 'would kill it for memfd_create'
note "--- the filter kills on mprotect/mmap with PROT_EXEC"
refused exec 'would kill it for mprotect'
note "--- the filter kills on munmap: the patch could never be reverted"
refused munmap 'would kill it for munmap'

note "--- a thread in seccomp's strict mode (read, write, exit, sigreturn)"
refused strict 'runs in seccomp strict mode, which would kill it for memfd_create'

note "--- the filter kills only on calls nonstop never makes"
start_target v1/prog other
expect_eq 6 "$(ask call 5)" "compute(5) before"
expect_exit 0 "$NONSTOP" apply --timeout 5 "$TPID" fix.nsp
expect_eq 7 "$(ask call 5)" "compute(5) after apply (new)"
expect_exit 0 "$NONSTOP" revert --timeout 5 "$TPID"
expect_eq 6 "$(ask call 5)" "compute(5) after revert (old)"
expect_alive
stop_target

note "--- a user who cannot read the filter (no CAP_SYS_ADMIN)"
open_dir_to_others
chmod 644 fix.nsp
as_user ns-attacker
runas=("${AS_USER[@]}")
start_target "${runas[@]}" v1/prog memfd
expect_eq 6 "$(ask call 5)" "compute(5) before"
maps_before=$(maps_nostack)
expect_exit 1 "${runas[@]}" "$NONSTOP" apply --timeout 5 "$TPID" fix.nsp
expect_one_error_line
expect_stderr_match "process $TPID runs under a seccomp filter that this user cannot read"
expect_alive
expect_eq "$maps_before" "$(maps_nostack)" "the target's mappings"
expect_eq 6 "$(ask call 5)" "compute(5) after the refused apply (old)"
stop_target
