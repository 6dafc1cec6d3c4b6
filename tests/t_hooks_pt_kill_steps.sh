#!/bin/bash
# The per-thread mode with hooks when nonstop fails, or is killed, at any
# step of an apply and of a revert (NONSTOP_FAULT_AT, with and without
# NONSTOP_FAULT_KILL), against the hooks case linked with libnonstop: the
# checks of t_hooks_kill_steps (tests/lib/hooks.sh,
# hooks_faults), once the threads have passed their update points, and
# every hook run in libnonstop's own thread.
# timeout: 900
. "$TEST_LIB"

build_case hooks --libnonstop
make_patch fix.nsp
start_target v1/prog
HOOKS_TID=""
for t in /proc/"$TPID"/task/*; do
	[ "$(cat "$t/comm")" = nonstop-rt ] && HOOKS_TID=${t##*/}
done
[ -n "$HOOKS_TID" ] || fail "no nonstop-rt thread in the target"
hooks_faults 15 10
