# The completion of a per-thread transition left pending, by the next
# command, when nonstop fails or is killed at any of its steps
# (NONSTOP_FAULT_AT; tests/lib/kill_matrix.sh). Patch A is left pending
# while the thread "held" waits, then every thread switches
# (pt_left_switched, tests/lib/pt_pending.sh); the command run with a step
# failing, or nonstop killed there, is `revert A`, or `apply B` (stacked
# on A), whose sweep completes A first — the steps of that completion are
# the first ones of each command: as many as the command passes more with
# A left switched than with A complete; the matrix covers them and the
# step after — or `apply --complete`, every step. After each run:
#   - the target runs, no thread stopped or traced, no worker ever saw
#     two versions between two update points, every thread runs one
#     version, and status agrees with it;
#   - A's record and its entries agree: its dispatchers retired and every
#     entry straight to A's code, or neither, never some of each; B runs
#     only over A complete;
#   - revert (of B, then of A) finishes whatever was left, and then
#     nothing of nonstop is left in the process.
# timeout: 900
. "$TEST_LIB"

pt_pending_build
start_target v1/prog --held

# version: old (v1), new (A's v2) or v3 (B's): pt_version.
version() {
	pt_version
}

# applied: the patches status says are applied, in order ("A B", "A", "").
applied() {
	"$NONSTOP" status --json "$TPID" |
		grep -o '"name":"[AB]","seq":[0-9]*,"state":"applied"' |
		cut -d'"' -f4 | paste -sd' ' || true
}

# clean: every patch reverted, newest first; nothing left.
clean() {
	local i
	for ((i = 0; i < 4; i++)); do
		"$NONSTOP" status "$TPID" | grep -q 'no patches applied' && break
		"$NONSTOP" revert "$TPID" >/dev/null 2>&1 || true
	done
	expect_exit 0 "$NONSTOP" status "$TPID" >/dev/null
	expect_stdout_match 'no patches applied' >/dev/null
	kill_no_leftovers
	[ "$(version)" = old ] || fail "not back to the old code"
}

# The steps of each command with A left switched, and with A complete.
pt_left_switched
nrevert=$(steps revert "$TPID" A)
[ "$(version)" = old ] || fail "revert without faults did not revert"
expect_exit 0 "$NONSTOP" apply "$TPID" A.nsp
nrevert_done=$(steps revert "$TPID" A)
pt_left_switched
napply=$(steps apply "$TPID" B.nsp)
[ "$(version)" = v3 ] || fail "apply of B without faults did not apply"
clean
expect_exit 0 "$NONSTOP" apply "$TPID" A.nsp
napply_done=$(steps apply "$TPID" B.nsp)
clean
pt_left_switched
ncomplete=$(steps apply --complete "$TPID")
[ "$(pt_dispatchers A)" = retired ] || fail "apply --complete without faults did not complete"
clean
kr=$((nrevert - nrevert_done)) ka=$((napply - napply_done))
note "the completion passes $kr steps of revert ($nrevert in all), $ka of apply ($napply), $ncomplete of apply --complete"
[ "$kr" -ge 3 ] && [ "$ka" -ge 3 ] && [ "$ncomplete" -ge "$kr" ] ||
	fail "too few steps counted for the completion"

before_run() {
	pt_left_switched
}

# after_run MODE OP K RC: see above.
after_run() {
	local mode=$1 op=$2 k=$3 rc=$4 v a verdict
	v=$(version) || exit 1
	a=$(applied)
	note "$mode $op at step $k: exit $rc, $v, applied: '$a', A's dispatchers: $(pt_dispatchers A)"
	case $op/$v/$a in
	revert/old/ | revert/new/A) verdict=${v} ;;
	apply/new/A) verdict=old ;;
	apply/v3/"A B") verdict=new ;;
	complete/new/A) verdict=$(pt_dispatchers A) ;;
	*) fail "$op at step $k: code $v, but status says applied: '$a'" ;;
	esac
	if [ "$op" != complete ]; then
		kill_verdict "$mode" "$op" "$k" "$rc" "$verdict"
	else
		# killed: 137, or 0 (fewer steps passed); failing: 0 only
		# once retired, 1 either way.
		case $mode/$rc/$verdict in
		kill/137/* | kill/0/* | fail/0/retired | fail/1/*) ;;
		*) fail "apply --complete $mode at step $k: exit $rc, dispatchers $verdict" ;;
		esac
	fi
	case $a in
	A)
		case $(pt_dispatchers A) in
		to-retire | retired) ;;
		*) fail "A's dispatchers: '$(pt_dispatchers A)'" ;;
		esac
		pt_entries_agree A ;;
	"A B")
		[ "$(pt_dispatchers A)" = retired ] ||
			fail "B was applied over A not complete ($(pt_dispatchers A))" ;;
	esac
	clean
}

kill_op revert "$((kr + 1))" revert "$TPID" A
kill_op apply "$((ka + 1))" apply "$TPID" B.nsp
kill_op complete "$ncomplete" apply --complete "$TPID"
kill_matrix after_run before_run
note "$KILL_MATRIX_RUNS runs, the target intact after each"
