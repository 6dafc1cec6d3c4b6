#!/bin/bash
# A patch's hooks in the per-thread mode (the hooks case linked with
# libnonstop): the same scenario as t_hooks — each hook once, at its
# moment (pre-apply before any thread switched, post-apply once every
# thread has, pre-revert before the switch back, post-revert once every
# thread is back), a pre-apply veto leaves nothing, a failing post-apply
# hook rolls back, a pre-revert veto refuses, a failing post-revert hook
# warns, a faulting hook fails, a hook that does not return in time is
# let go and its patch removed once it has — with every hook run in
# libnonstop's own thread, the only one nonstop stops. --leave-pending is
# refused for a patch with hooks.
. "$TEST_LIB"

build_case hooks --libnonstop
make_patch fix.nsp
start_target v1/prog

# libnonstop's thread: every hook must run there.
HOOKS_TID=""
for t in /proc/"$TPID"/task/*; do
	[ "$(cat "$t/comm")" = nonstop-rt ] && HOOKS_TID=${t##*/}
done
[ -n "$HOOKS_TID" ] || fail "no nonstop-rt thread in the target"
note "libnonstop's thread: $HOOKS_TID"
HOOKS_MODE=per-thread
hooks_scenario

note "--- --leave-pending with hooks: refused"
expect_exit 1 "$NONSTOP" apply --leave-pending "$TPID" fix.nsp
expect_one_error_line
expect_stderr_match "has hooks: --leave-pending cannot be used"
hooks_runs 7 5 5 6
hooks_nothing_left
