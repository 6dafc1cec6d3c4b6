# timeout: 240
# A hostile target forges libnonstop's control block (nonstop__rt, valid
# in every field nonstop checks: one of its own threads as the runtime
# thread, its own nonstop__rt_exec as the executor) so that nonstop calls
# that executor in that thread. Whatever
# the executor does, apply fails within a bounded time with one clear line
# and harms nothing:
#   - it faults (a call to an unmapped address: SIGSEGV; ud2: SIGILL): the thread is
#     stopped at once, the fault is named with where, the signal is never
#     delivered, the thread's registers and signal mask are put back, and
#     the target lives on, untraced, answering as before;
#   - it makes a system call the target's seccomp filter kills it for: the
#     call is never made, the same;
#   - it kills its own process: "process N exited (killed by signal
#     SIGSYS)", without waiting past the deadline.
. "$TEST_LIB"
for v in v1 v2; do
	mkdir -p "src-$v"
	cp "$CASES/sec_fault/v1"/*.c "src-$v"/
	cp "$CASES/sec_fault/$v"/*.c "src-$v"/
	compile_dir "src-$v" "$v" -I"$ROOT/lib"
	link_dir "$v" "$v/prog"
done
make_patch fix.nsp
# The old nonstop spun for ever here: fail fast rather than wait.
NONSTOP_CMD_TIMEOUT=30

# harmless MODE ERE: apply against executor MODE fails with ERE, and the
# target is as it was.
harmless() {
	local mode=$1 want=$2 sleeper blk_before maps_before fds_before
	start_target v1/prog "$mode"
	sleeper=$(ask sleeper)
	expect_eq 6 "$(ask call 5)" "compute(5) before"
	blk_before=$(grep '^SigBlk:' "/proc/$TPID/task/$sleeper/status")
	maps_before=$(maps_nostack)
	fds_before=$(ls "/proc/$TPID/fd")
	expect_exit 1 "$NONSTOP" apply --timeout 5 "$TPID" fix.nsp
	expect_one_error_line
	expect_stderr_match "$want"
	expect_alive
	[ -d "/proc/$TPID/task/$sleeper" ] || fail "the sleeper thread $sleeper is gone"
	expect_eq "$blk_before" "$(grep '^SigBlk:' "/proc/$TPID/task/$sleeper/status")" \
		"the sleeper's signal mask"
	expect_eq "sleeper" "$(cat "/proc/$TPID/task/$sleeper/comm")" "the sleeper's name"
	expect_eq "$maps_before" "$(maps_nostack)" "the target's mappings"
	expect_eq "$fds_before" "$(ls "/proc/$TPID/fd")" "the target's open files"
	expect_eq 6 "$(ask call 5)" "compute(5) after (old)"
	stop_target
}

note "--- the executor is an unmapped address"
harmless segv "thread [0-9]+ faulted \\(SIGSEGV at 0x1000\\) in the function nonstop called"
note "--- the executor executes ud2"
harmless ill "thread [0-9]+ faulted \\(SIGILL at 0x[0-9a-f]+\\) in the function nonstop called"
note "--- the executor makes a call the seccomp filter kills for"
harmless syscall "thread [0-9]+ was stopped in the function nonstop called before reboot: the seccomp filter of process [0-9]+ would kill it for reboot"

note "--- the executor kills its own process"
start_target v1/prog kill
expect_exit 1 "$NONSTOP" apply --timeout 5 "$TPID" fix.nsp
expect_one_error_line
expect_stderr_match "process $TPID exited \\(killed by signal SIGSYS\\)"
