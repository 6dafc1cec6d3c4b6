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
# one version, after checking that none ever mixed and that status agrees.
settled() {
	local v i st
	expect_alive >&2
	[ "$(ask mixed)" = 0 ] || fail "a worker mixed versions"
	for ((i = 0; i < 200; i++)); do
		v=$(ask v)
		case $v in "workers=old loop=old" | "workers=new loop=new") break ;; esac
		sleep 0.02
	done
	st=$("$NONSTOP" status --json "$TPID" | grep -o '"state":"[a-z]*"' | cut -d'"' -f4 | tail -n 1 || true)
	case $v in
	"workers=old loop=old") [ "$st" != applied ] || fail "old code, but status says '$st'"
		echo old ;;
	"workers=new loop=new") [ "$st" = applied ] || fail "new code, but status says '${st:-nothing}'"
		echo new ;;
	*) fail "the threads did not settle on one version: $v" ;;
	esac
}

# clean: reverts whatever is left (a revert continues one begun before, and
# sweeps what a killed nonstop left), then nothing of nonstop may remain.
clean() {
	local i
	for ((i = 0; i < 3; i++)); do
		"$NONSTOP" revert "$TPID" fix >/dev/null 2>&1 || true
		"$NONSTOP" status "$TPID" | grep -q 'no patches applied' && break
	done
	expect_exit 0 "$NONSTOP" status "$TPID" >/dev/null
	expect_stdout_match 'no patches applied' >/dev/null
	kill_no_leftovers
}

napply=$(steps apply "$TPID" fix.nsp)
[ "$(settled)" = new ] || fail "apply without faults did not apply"
nrevert=$(steps revert "$TPID" fix)
[ "$(settled)" = old ] || fail "revert without faults did not revert"
note "per-thread apply passes $napply steps, revert $nrevert"
[ "$napply" -gt 8 ] && [ "$nrevert" -gt 4 ] || fail "too few steps counted"

runs=0
for mode in fail kill; do
	for ((k = 1; k <= napply; k++)); do
		rc=$(run_at $mode $k apply "$TPID" fix.nsp)
		v=$(settled) || exit 1
		note "$mode apply at step $k: exit $rc, $v"
		runs=$((runs + 1))
		if [ $mode = fail ]; then
			case $rc/$v in 1/old | 0/new) ;; *) fail "apply with step $k failing exited $rc, code $v" ;; esac
		else
			case $rc in 137 | 0) ;; *) fail "killed at step $k: exit $rc" ;; esac
		fi
		clean
	done
	for ((k = 1; k <= nrevert; k++)); do
		expect_exit 0 "$NONSTOP" apply "$TPID" fix.nsp
		rc=$(run_at $mode $k revert "$TPID" fix)
		v=$(settled) || exit 1
		note "$mode revert at step $k: exit $rc, $v"
		runs=$((runs + 1))
		if [ $mode = fail ]; then
			case $rc/$v in 1/new | 1/old | 0/old) ;; *) fail "revert with step $k failing exited $rc, code $v" ;; esac
		else
			case $rc in 137 | 0) ;; *) fail "killed at step $k: exit $rc" ;; esac
		fi
		clean
	done
done
[ "$(settled)" = old ] || fail "not back to the old code at the end"
note "$runs runs, the target intact after each"
