# tests/lib/hooks.sh — what the hook tests run in both modes: the
# scenario (t_hooks: stop-the-world, t_hooks_pt: per-thread) and the
# fault injection (t_hooks_kill_steps, t_hooks_pt_kill_steps, with
# tests/lib/kill_matrix.sh); sourced by tests/lib.sh. They are run with the
# hooks case (tests/cases/hooks) built, fix.nsp made and the target started.
# The patch's hooks (v2/hooks.c) count their runs in the program's own
# state ("runs"), note what value() returned inside them ("saw": 1 old
# code, 2 new) and return what "fail KIND N" set.

# hooks_runs PRE_APPLY POST_APPLY PRE_REVERT POST_REVERT: the counts.
hooks_runs() {
	expect_eq "pre_apply=$1 post_apply=$2 pre_revert=$3 post_revert=$4" \
		"$(ask runs)" "hook runs"
}

# hooks_nothing_left: no patch in status, no patch memory, old code.
hooks_nothing_left() {
	expect_exit 0 "$NONSTOP" status "$TPID"
	expect_stdout_match 'no patches applied'
	if grep -q 'nonstop:' "/proc/$TPID/maps"; then
		fail "patch memory left: $(grep nonstop: "/proc/$TPID/maps")"
	fi
	expect_eq old "$(ask v)" "the code"
}

# HOOKS_MODE is the mode apply must use ("stop-the-world", "per-thread");
# HOOKS_TID, if set, the thread every hook must run in.

# hooks_tid_ok KIND: the hook of KIND ran in a thread of the target
# (HOOKS_TID, if set, names the one it must be).
hooks_tid_ok() {
	local tid
	tid=$(ask tid "$1")
	[ -d "/proc/$TPID/task/$tid" ] || fail "hook $1 ran in thread $tid, not one of the target's"
	[ -z "${HOOKS_TID:-}" ] || expect_eq "$HOOKS_TID" "$tid" "thread of hook $1"
}

hooks_scenario() {
	note "--- every hook succeeds: each runs once, at its moment"
	expect_exit 0 "$NONSTOP" apply --json "$TPID" fix.nsp
	expect_stdout_match '"hooks":\[\{"kind":"pre-apply","function":"check_ready","returned":0,"message":""\},\{"kind":"post-apply","function":"start_new","returned":0,"message":""\}\]'
	expect_stdout_match "\"mode\":\"$HOOKS_MODE\""
	expect_eq new "$(ask v)" "the code"
	hooks_runs 1 1 0 0
	# pre-apply on the old code, post-apply on the new
	expect_eq "pre_apply=1 post_apply=2 pre_revert=0 post_revert=0" "$(ask saw)" "value() in the hooks"
	hooks_tid_ok 1
	hooks_tid_ok 2
	expect_exit 0 "$NONSTOP" status --json "$TPID"
	expect_stdout_match '"kind":"pre-apply","function":"check_ready","state":"returned 0"'
	expect_stdout_match '"kind":"post-apply","function":"start_new","state":"returned 0"'
	expect_stdout_match '"kind":"pre-revert","function":"stop_new","state":"not run"'
	expect_exit 0 "$NONSTOP" revert "$TPID"
	expect_stdout_match "pre-revert hook 'stop_new' returned 0"
	expect_stdout_match "post-revert hook 'cleanup' returned 0"
	hooks_runs 1 1 1 1
	# pre-revert on the new code, post-revert on the old
	expect_eq "pre_apply=1 post_apply=2 pre_revert=2 post_revert=1" "$(ask saw)" "value() in the hooks"
	hooks_tid_ok 3
	hooks_tid_ok 4
	hooks_nothing_left

	note "--- a pre-apply hook vetoes: nothing is left, the old code runs"
	expect_eq ok "$(ask fail 1 3)"
	maps_snapshot maps.before
	expect_exit 1 "$NONSTOP" apply "$TPID" fix.nsp
	expect_one_error_line
	expect_stderr_match "refused: the pre-apply hook 'check_ready' returned 3: pre-apply hook told to fail$"
	maps_snapshot maps.after
	diff maps.before maps.after || fail "/proc/$TPID/maps changed"
	hooks_nothing_left
	# its pair, the post-revert hook, did not run
	hooks_runs 2 1 1 1
	expect_eq ok "$(ask fail 1 0)"

	note "--- a post-apply hook fails: rolled back, its post-revert hook runs"
	expect_eq ok "$(ask fail 2 5)"
	expect_exit 1 "$NONSTOP" apply "$TPID" fix.nsp
	expect_one_error_line
	expect_stderr_match "the post-apply hook 'start_new' returned 5: post-apply hook told to fail; the patch was rolled back"
	hooks_nothing_left
	# the pre-revert hook, the failed one's pair, did not run
	hooks_runs 3 2 1 2
	expect_eq ok "$(ask fail 2 0)"

	note "--- a pre-revert hook vetoes: the revert is refused, the patch stays"
	expect_exit 0 "$NONSTOP" apply "$TPID" fix.nsp
	hooks_runs 4 3 1 2
	expect_eq ok "$(ask fail 3 7)"
	expect_exit 1 "$NONSTOP" revert "$TPID"
	expect_one_error_line
	expect_stderr_match "refused: the pre-revert hook 'stop_new' returned 7: pre-revert hook told to fail; the patch stays applied"
	expect_eq new "$(ask v)" "the code"
	expect_exit 0 "$NONSTOP" status --json "$TPID"
	expect_stdout_match '"state":"applied"'
	expect_stdout_match '"kind":"pre-revert","function":"stop_new","state":"returned 7"'
	hooks_runs 4 3 2 2
	# asked again at the next revert
	expect_eq ok "$(ask fail 3 0)"
	expect_exit 0 "$NONSTOP" revert "$TPID"
	hooks_runs 4 3 3 3
	hooks_nothing_left

	note "--- a post-revert hook fails: reverted, with a warning"
	expect_exit 0 "$NONSTOP" apply "$TPID" fix.nsp
	expect_eq ok "$(ask fail 4 9)"
	expect_exit 0 "$NONSTOP" revert --json "$TPID"
	expect_stderr_match "^nonstop revert: warning: patch 'fix' is reverted, but the post-revert hook 'cleanup' returned 9: post-revert hook told to fail$"
	expect_stdout_match '"kind":"post-revert","function":"cleanup","returned":9,"message":"post-revert hook told to fail"'
	hooks_runs 5 4 4 4
	hooks_nothing_left
	expect_eq ok "$(ask fail 4 0)"

	note "--- a pre-apply hook that faults: the program survives, nothing is left"
	expect_eq ok "$(ask fail 1 1000)"
	expect_exit 1 "$NONSTOP" apply "$TPID" fix.nsp
	expect_one_error_line
	expect_stderr_match "cannot run the pre-apply hook 'check_ready': thread [0-9]+ faulted \\(SIGILL at 0x[0-9a-f]+\\) in the function nonstop called"
	hooks_nothing_left
	hooks_runs 5 4 4 4
	expect_eq ok "$(ask fail 1 0)"

	note "--- a pre-apply hook that does not return in time: let go, then swept"
	expect_eq ok "$(ask fail 1 1001)"
	expect_exit 1 "$NONSTOP" apply --timeout 1 "$TPID" fix.nsp
	expect_one_error_line
	expect_stderr_match "the pre-apply hook 'check_ready' did not return within 1 s \\(it goes on in thread [0-9]+; patch 'fix' stays as it is until it returns\\)"
	expect_exit 0 "$NONSTOP" status --json "$TPID"
	expect_stdout_match '"state":"loaded"'
	expect_stdout_match '"kind":"pre-apply","function":"check_ready","state":"running"'
	# nothing is done to the patch while its hook runs
	expect_exit 1 "$NONSTOP" apply "$TPID" fix.nsp
	expect_stderr_match "the pre-apply hook 'check_ready' of patch 'fix' is still running"
	grep -q 'nonstop:fix' "/proc/$TPID/maps" || fail "the patch's memory went while its hook ran"
	expect_eq old "$(ask v)" "the code"
	expect_eq ok "$(ask fail 1 0)"
	# it returned 0: the next command removes the patch, its post-revert
	# hook run first
	wait_answer "pre_apply=6 post_apply=4 pre_revert=4 post_revert=4" runs
	expect_exit 0 "$NONSTOP" apply "$TPID" fix.nsp
	hooks_runs 7 5 4 5
	expect_exit 0 "$NONSTOP" revert "$TPID"
	hooks_runs 7 5 5 6
	hooks_nothing_left
	expect_alive
}

# ---- fault injection ----------------------------------------------------------

_HOOKS_LAST=(0 0 0 0)
HOOKS_V=""

# hooks_settled: sets HOOKS_V to old or new once the command thread runs
# one version (per-thread: after its update point), and checks that the
# target is healthy and status agrees.
hooks_settled() {
	local v i
	expect_alive >&2
	for ((i = 0; i < 200; i++)); do
		v=$(ask v)
		case $v in old | new) break ;; esac
		sleep 0.02
	done
	case $v in
	old | new) status_agrees "$v" "$(patch_states | tail -n 1)" ;;
	*) fail "the code did not settle on one version: $v" ;;
	esac
	HOOKS_V=$v
}

# hooks_check OP: the hooks' counts after OP (apply, revert or clean)
# against those before it: an apply runs pre-apply and post-apply at most
# once, nothing else runs them; with the patch applied pre-apply ran once
# more than post-revert and post-apply at most once more than pre-revert;
# once cleaned up the pairs balance. Every hook ran in HOOKS_TID, if set.
hooks_check() {
	local op=$1 pa po pr pv k t
	hooks_settled
	read -r pa po pr pv <<<"$(ask runs | sed 's/[a-z_]*=//g')"
	note "after $op: $HOOKS_V, hooks ran pre_apply=$pa post_apply=$po pre_revert=$pr post_revert=$pv"
	[ $((pa - _HOOKS_LAST[0])) -le 1 ] && [ $((po - _HOOKS_LAST[1])) -le 1 ] ||
		fail "$op ran pre-apply or post-apply twice"
	if [ "$op" != apply ]; then
		[ "$pa" = "${_HOOKS_LAST[0]}" ] && [ "$po" = "${_HOOKS_LAST[1]}" ] ||
			fail "$op ran pre-apply or post-apply"
	fi
	[ "$po" -le "$pa" ] || fail "post-apply ran more often than pre-apply"
	if [ "$HOOKS_V" = new ]; then
		[ $((pa - pv)) = 1 ] || fail "applied: pre-apply ran $pa times, post-revert $pv"
		[ $((po - pr)) -ge 0 ] && [ $((po - pr)) -le 1 ] ||
			fail "applied: post-apply ran $po times, pre-revert $pr"
	elif [ "$op" = clean ]; then
		[ "$pa" = "$pv" ] || fail "patch gone: pre-apply ran $pa times, post-revert $pv"
		[ "$po" = "$pr" ] || fail "patch gone: post-apply ran $po times, pre-revert $pr"
	fi
	for k in 1 2 3 4; do
		t=$(ask tid $k)
		[ "$t" = 0 ] || [ -z "${HOOKS_TID:-}" ] || [ "$t" = "$HOOKS_TID" ] ||
			fail "hook $k ran in thread $t, not $HOOKS_TID"
	done
	_HOOKS_LAST=("$pa" "$po" "$pr" "$pv")
}

# hooks_clean: reverts whatever is left (kill_clean: a post-revert hook
# that is due runs then), then nothing of nonstop may remain, and the
# hooks' counts balance.
hooks_clean() {
	kill_clean fix
	hooks_check clean
	[ "$HOOKS_V" = old ] || fail "clean left new code"
}

# _hooks_before MODE OP K: a revert run starts from the patch applied.
_hooks_before() {
	if [ "$2" = revert ]; then
		expect_exit 0 "$NONSTOP" apply "$TPID" fix.nsp >/dev/null
		hooks_check apply
	fi
}

# _hooks_after MODE OP K RC: the counts, the usual exit code, clean.
_hooks_after() {
	hooks_check "$2"
	note "$1 $2 at step $3: exit $4, $HOOKS_V"
	kill_verdict "$@" "$HOOKS_V"
	hooks_clean
}

# hooks_faults MIN_APPLY MIN_REVERT: counts the steps of an apply and of
# a revert (at least MIN_APPLY and MIN_REVERT), then fails and kills
# nonstop at each (kill_matrix), checking after every run and every
# clean-up.
hooks_faults() {
	local napply nrevert
	napply=$(steps apply "$TPID" fix.nsp)
	hooks_check apply
	[ "$HOOKS_V" = new ] || fail "apply without faults did not apply"
	nrevert=$(steps revert "$TPID" fix)
	hooks_check revert
	[ "$HOOKS_V" = old ] || fail "revert without faults did not revert"
	[ "${_HOOKS_LAST[*]}" = "1 1 1 1" ] || fail "without faults the hooks ran ${_HOOKS_LAST[*]} times"
	note "apply passes $napply steps, revert $nrevert"
	[ "$napply" -ge "$1" ] && [ "$nrevert" -ge "$2" ] || fail "too few steps counted"
	kill_op apply "$napply" apply "$TPID" fix.nsp
	kill_op revert "$nrevert" revert "$TPID" fix
	kill_matrix _hooks_after _hooks_before
	note "$KILL_MATRIX_RUNS runs, the target intact after each; hooks ran ${_HOOKS_LAST[*]} times"
}
