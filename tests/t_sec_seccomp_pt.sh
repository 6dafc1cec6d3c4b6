# timeout: 240
# The per-thread mode (the target runs libnonstop) under a seccomp filter
# that KILLS the process on a call libnonstop's executor makes in its own
# thread (membarrier, between the phases of a plan; mprotect with
# PROT_EXEC, around each code write) is refused up front: apply exits 1
# with one line naming seccomp, the call and the process, and the target
# lives on as it was — untraced, the same mappings and open files, the old
# answers. A filter that kills only on calls nonstop never makes lets the
# per-thread apply and revert work.
. "$TEST_LIB"
build_case sec_seccomp --libnonstop
make_patch fix.nsp
# Should nonstop kill the target, fail fast rather than wait.
NONSTOP_CMD_TIMEOUT=30

# refused MODE CALL: a per-thread apply under filter MODE is refused naming
# CALL, and changes nothing.
refused() {
	local rt
	start_target v1/prog "$1"
	rt=$(grep -l '^nonstop-rt$' /proc/"$TPID"/task/*/comm | head -n 1 | cut -d/ -f5)
	[ -n "$rt" ] || fail "no nonstop-rt thread in the target"
	expect_eq 2 "$(awk '/^Seccomp:/ {print $2}' "/proc/$TPID/task/$rt/status")" \
		"seccomp mode of libnonstop's thread ($1)"
	expect_refused "$2"
	stop_target
}

note "--- the filter kills on membarrier"
refused membarrier 'would kill it for membarrier'
note "--- the filter kills on mprotect/mmap with PROT_EXEC"
refused exec 'would kill it for mprotect'

note "--- the filter kills only on calls nonstop never makes"
start_target v1/prog other
expect_eq 6 "$(ask call 5)" "compute(5) before"
expect_exit 0 "$NONSTOP" apply --timeout 5 "$TPID" fix.nsp
expect_stdout_match 'per-thread mode'
wait_answer 7 call 5
expect_exit 0 "$NONSTOP" revert --timeout 5 "$TPID"
wait_answer 6 call 5
expect_alive
stop_target
