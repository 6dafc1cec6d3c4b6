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

runs=0
napply=$(steps apply "$TPID" fix.nsp)
v=$(kill_version) || exit 1
[ "$v" = new ] || fail "apply without faults did not apply"
nrevert=$(steps revert "$TPID" fix)
v=$(kill_version) || exit 1
[ "$v" = old ] || fail "revert without faults did not revert"
note "apply passes $napply steps, revert $nrevert"
[ "$napply" -gt 20 ] && [ "$nrevert" -gt 10 ] || fail "too few steps counted"

for mode in fail kill; do
	# Apply, failing or dying at step k: old or new, never a mix.
	for ((k = 1; k <= napply; k++)); do
		rc=$(run_at $mode $k apply "$TPID" fix.nsp)
		note "$mode apply at step $k: exit $rc"
		v=$(kill_version) || exit 1
		runs=$((runs + 1))
		if [ $mode = fail ]; then
			# A step whose failure does not matter (closing a
			# descriptor) may fail without failing the apply.
			case $rc/$v in
			1/old) kill_no_leftovers ;;
			0/new) ;;
			*) fail "apply with step $k failing exited $rc, code $v" ;;
			esac
		else
			# (A run may pass fewer steps than the counted one,
			# e.g. fewer signals to let through: then it ends.)
			case $rc in 137 | 0) ;; *) fail "killed at step $k: exit $rc" ;; esac
		fi
		if [ "$v" = new ]; then
			expect_exit 0 "$NONSTOP" revert "$TPID" fix >/dev/null
		fi
	done
	# Revert, failing or dying at step k.
	expect_exit 0 "$NONSTOP" apply "$TPID" fix.nsp >/dev/null
	for ((k = 1; k <= nrevert; k++)); do
		rc=$(run_at $mode $k revert "$TPID" fix)
		note "$mode revert at step $k: exit $rc"
		v=$(kill_version) || exit 1
		runs=$((runs + 1))
		if [ $mode = fail ]; then
			case $rc/$v in
			1/new | 1/old | 0/old) ;;
			*) fail "revert with step $k failing exited $rc, code $v" ;;
			esac
		else
			# (A run may pass fewer steps than the counted one,
			# e.g. fewer signals to let through: then it ends.)
			case $rc in 137 | 0) ;; *) fail "killed at step $k: exit $rc" ;; esac
		fi
		if [ "$v" = old ]; then
			expect_exit 0 "$NONSTOP" apply "$TPID" fix.nsp >/dev/null
		fi
	done
	expect_exit 0 "$NONSTOP" revert "$TPID" fix >/dev/null
	kill_no_leftovers
	note "$mode: every step of apply ($napply) and revert ($nrevert) survived"
done
v=$(kill_version) || exit 1
[ "$v" = old ] || fail "not back to the old code at the end"
note "$runs runs, the target intact after each"
