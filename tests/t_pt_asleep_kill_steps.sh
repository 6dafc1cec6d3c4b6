#!/bin/bash
# t_pt_kill_steps for a thread nonstop switches while it sleeps
# (src/transition/pt_blocked.h): the per-thread target with a thread
# "asleep" in pause() that never passes an update point. nonstop fails, or
# is killed, at every step of apply and of revert (NONSTOP_FAULT_AT), the
# steps of holding that thread, writing its generation and letting it go
# among them. After each:
#   - the target runs, no thread stopped or traced, no worker mixed;
#   - the asleep thread never woke (nonstop's stop is no EINTR to pause(),
#     killed or not), and once woken it runs the version every other
#     thread settled on: old or new, never the other;
#   - the next `nonstop revert` finishes (or undoes) whatever was left, and
#     then nothing of nonstop remains.
# Killed only, by default: each apply here builds an unwinder at nice 10
# against busy workers (about a second), and the whole matrix takes some
# 17 minutes; KILL_MODES="fail kill" runs it whole (it passed so when
# written). Failures at these steps are t_pt_kill_steps's kind.
# timeout: 900
. "$TEST_LIB"
KILL_MODES=${KILL_MODES:-kill}

build_case pt --libnonstop
make_patch fix.nsp
start_target v1/prog --asleep
wakes=0

# settled: prints old or new once every thread runs one version, after
# checking that none ever mixed, that status agrees, and that the asleep
# thread, woken, answers the same version (handler(1): 2 old, 3 new).
settled() {
	local v
	v=$(pt_version) || exit 1
	[ "$(ask wakes)" = "$wakes" ] || fail "the asleep thread woke $(ask wakes) times, not $wakes: an EINTR"
	status_agrees "$v" "$(patch_states | tail -n 1)"
	echo "$v"
}

# asleep_is V: wakes the asleep thread once; it must run version V (old or
# new) — a thread left with the other version after a failure would show.
asleep_is() {
	local want=asleep=2
	[ "$1" = new ] && want=asleep=3
	wakes=$((wakes + 1))
	[ "$(ask wake)" = "$want" ] || fail "the asleep thread runs the other version than $1"
}

napply=$(steps apply "$TPID" fix.nsp)
v=$(settled) && [ "$v" = new ] || fail "apply without faults did not apply"
asleep_is new
nrevert=$(steps revert "$TPID" fix)
v=$(settled) && [ "$v" = old ] || fail "revert without faults did not revert"
asleep_is old
note "per-thread apply passes $napply steps, revert $nrevert (the asleep thread among them)"

kill_op apply "$napply" apply "$TPID" fix.nsp
kill_op revert "$nrevert" revert "$TPID" fix
kill_matrix pt_kill_after_run pt_kill_before_run
[ "$(settled)" = old ] || fail "not back to the old code at the end"
asleep_is old
note "$KILL_MATRIX_RUNS runs, the target intact after each"
