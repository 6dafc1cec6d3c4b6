# tests/cases/hooks/check.sh — the scenario the hook tests run in both
# modes (t_hooks: stop-the-world, t_hooks_pt: per-thread), sourced after
# lib.sh with the hooks case built, fix.nsp made and the target started.
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
	expect_alive
}
