#!/bin/bash
# Fails, then kills, nonstop at every step of apply and of revert (the
# NONSTOP_FAULT_AT switch, src/util/fault.h): every attach, thread stop,
# system call run in the target, memory write and thread moved to the commit
# gate. After each, against a target whose main thread computes with live
# AVX state and whose workers call both patched functions without pause:
#   - the target runs, no thread stopped or traced, no wrong result, no
#     register lost (it counts them), no nanosleep cut short;
#   - both functions are old or both new (never a mix), and `status` agrees;
#   - a failed apply leaves no patch memory behind; a failed revert leaves
#     the patch applied, or reverted with its memory released by the next
#     nonstop command. (A step whose failure is harmless, such as closing a
#     descriptor in the target, may fail and the command still succeed.)
# timeout: 900
. "$TEST_LIB"

build_case kill
make_patch fix.nsp
start_target v1/prog

napply=$(steps apply "$TPID" fix.nsp)
v=$(kill_version) || exit 1
[ "$v" = new ] || fail "apply without faults did not apply"
nrevert=$(steps revert "$TPID" fix)
v=$(kill_version) || exit 1
[ "$v" = old ] || fail "revert without faults did not revert"
note "apply passes $napply steps, revert $nrevert"
[ "$napply" -gt 20 ] && [ "$nrevert" -gt 10 ] || fail "too few steps counted"

# Apply, then revert, failing or dying at step k: old or new, never a mix.
kill_op apply "$napply" apply "$TPID" fix.nsp
kill_op revert "$nrevert" revert "$TPID" fix
kill_matrix_switch kill_version
v=$(kill_version) || exit 1
[ "$v" = old ] || fail "not back to the old code at the end"
note "$KILL_MATRIX_RUNS runs, the target intact after each"
