#!/bin/bash
# The per-thread mode when nonstop fails, or is killed, at any step of
# apply and of revert (NONSTOP_FAULT_AT, src/util/fault.h): every attach of
# libnonstop's thread, system call run by it, memory write and call of the
# runtime's plan. After each, against the per-thread target (four workers
# calling two patched functions between update points):
#   - the target runs, no thread stopped or traced, no worker ever saw one
#     function old and the other new;
#   - once the threads have passed their update points, all run the old
#     code or all the new, and `status` agrees;
#   - the next `nonstop revert` finishes (or undoes) whatever was left,
#     and then no patch memory or descriptor is left in the process.
# timeout: 900
. "$TEST_LIB"

build_case pt --libnonstop
make_patch fix.nsp
start_target v1/prog

# settled: prints old or new once every worker and the loop thread run
# one version (pt_version), after checking that status agrees.
settled() {
	local v
	v=$(pt_version) || exit 1
	status_agrees "$v" "$(patch_states | tail -n 1)"
	echo "$v"
}

napply=$(steps apply "$TPID" fix.nsp)
[ "$(settled)" = new ] || fail "apply without faults did not apply"
nrevert=$(steps revert "$TPID" fix)
[ "$(settled)" = old ] || fail "revert without faults did not revert"
note "per-thread apply passes $napply steps, revert $nrevert"
[ "$napply" -gt 8 ] && [ "$nrevert" -gt 4 ] || fail "too few steps counted"

kill_op apply "$napply" apply "$TPID" fix.nsp
kill_op revert "$nrevert" revert "$TPID" fix
kill_matrix pt_kill_after_run pt_kill_before_run
[ "$(settled)" = old ] || fail "not back to the old code at the end"
note "$KILL_MATRIX_RUNS runs, the target intact after each"
