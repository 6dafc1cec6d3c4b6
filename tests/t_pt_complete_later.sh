# A per-thread transition left pending (--leave-pending) is completed by
# the next nonstop command once its last thread has switched: its
# dispatchers are retired, as the apply that waited would have done.
# The target's thread "held" is kept from its update point while A
# (v1 -> v2) is applied; once it is let go, `status` (which changes
# nothing) says every thread switched and that the next apply or revert
# retires the dispatchers. The entries still lead to them, until:
#   - an apply of B (v2 -> v4, stacked on A) completes A first: after B's
#     revert, A's entries jump straight to A's code; A then reverts;
#   - a revert of A itself completes it and reverts it;
#   - with B installed over A while both are pending, A is left alone
#     (B's dispatcher falls back to A's) and B completed; A is completed
#     by the command after the revert of B, and reverts.
# `apply --complete` does it on the user's word: it retires nothing and
# names the thread while one has not switched within its --timeout, waits
# for it, and says when nothing is pending.
# The program runs one version at a time throughout, never a mix.
# Helpers: tests/lib/pt_pending.sh.
# timeout: 300
. "$TEST_LIB"

pt_pending_build
start_target v1/prog --held

# no_leftovers: no patch, no patch memory, no mix ever seen.
no_leftovers() {
	expect_exit 0 "$NONSTOP" status "$TPID"
	expect_stdout_match 'no patches applied'
	grep -q 'nonstop:' "/proc/$TPID/maps" && fail "patch memory left: $(grep nonstop: "/proc/$TPID/maps")"
	expect_eq 0 "$(ask mixed)" "mixed pairs"
}

note "--- A left pending; completed by the apply of B"
expect_eq held "$(ask hold)" "hold"
pt_pending_apply A.nsp
wait_answer "workers=new loop=new" v
expect_exit 0 "$NONSTOP" status "$TPID"
expect_stdout_match 'switching per thread'
expect_stdout_match 'held .*not switched'
expect_eq switching "$(pt_dispatchers A)" "dispatchers of A"
pt_entries_agree A
expect_eq released "$(ask release)" "release"
pt_wait_dispatchers A to-retire
expect_exit 0 "$NONSTOP" status "$TPID"
expect_stdout_match 'all on the newest code'
expect_stdout_match 'switched per thread; the next apply or revert retires its dispatchers'
# status changed nothing
expect_ne new "$(pt_entry_leads A ver_a)" "where ver_a's entry leads after status"
pt_entries_agree A
expect_exit 0 "$NONSTOP" apply "$TPID" B.nsp
expect_eq retired "$(pt_dispatchers A)" "dispatchers of A"
expect_eq retired "$(pt_dispatchers B)" "dispatchers of B"
expect_exit 0 "$NONSTOP" status "$TPID"
expect_stdout_match 'A  \[applied per thread, dispatchers retired'
wait_answer "workers=v3 loop=v3" v
expect_exit 0 "$NONSTOP" revert "$TPID" B
wait_answer "workers=new loop=new" v
for f in ver_a ver_b handler; do
	expect_eq new "$(pt_entry_leads A $f)" "where $f's entry leads once B is reverted"
done
expect_eq retired "$(pt_dispatchers A)" "dispatchers of A"
expect_exit 0 "$NONSTOP" revert "$TPID" A
wait_answer "workers=old loop=old" v
no_leftovers

note "--- A left pending; completed and reverted by its own revert"
pt_left_switched
expect_exit 0 "$NONSTOP" revert "$TPID" A
wait_answer "workers=old loop=old" v
no_leftovers

note "--- B installed over A, both pending: B completed, A after B's revert"
expect_eq held "$(ask hold)" "hold"
pt_pending_apply A.nsp
pt_pending_apply B.nsp
wait_answer "workers=v3 loop=v3" v
expect_eq released "$(ask release)" "release"
pt_wait_dispatchers B to-retire
expect_eq under-later "$(pt_dispatchers A)" "dispatchers of A"
expect_exit 0 "$NONSTOP" status "$TPID"
expect_stdout_match 'its dispatchers stay under a later patch'
expect_exit 0 "$NONSTOP" revert "$TPID" B
wait_answer "workers=new loop=new" v
expect_eq to-retire "$(pt_dispatchers A)" "dispatchers of A once B is reverted"
pt_entries_agree A
expect_exit 0 "$NONSTOP" revert "$TPID" A
wait_answer "workers=old loop=old" v
no_leftovers

note "--- apply --complete"
expect_exit 0 "$NONSTOP" apply --complete "$TPID"
expect_stdout_match 'nothing to complete'
expect_eq held "$(ask hold)" "hold"
pt_pending_apply A.nsp
expect_exit 1 "$NONSTOP" apply --complete --timeout 0.3 "$TPID"
expect_one_error_line
expect_stderr_match 'thread [0-9]+ \(held\) has not passed an update point'
expect_stderr_match "patch 'A' stays pending"
expect_eq switching "$(pt_dispatchers A)" "dispatchers of A"
pt_entries_agree A
# It waits for the thread: let go while it does.
"$NONSTOP" apply --complete --timeout 10 --json "$TPID" >complete.out 2>complete.err &
cpid=$!
sleep 0.5
expect_eq released "$(ask release)" "release"
rc=0
wait "$cpid" || rc=$?
cat complete.out complete.err
expect_eq 0 "$rc" "exit of apply --complete"
grep -q '"completed":\["A"\]' complete.out || fail "apply --complete --json: $(cat complete.out)"
expect_eq retired "$(pt_dispatchers A)" "dispatchers of A"
pt_entries_agree A
wait_answer "workers=new loop=new" v
expect_exit 0 "$NONSTOP" apply --complete "$TPID"
expect_stdout_match 'nothing to complete'
expect_exit 0 "$NONSTOP" revert "$TPID" A
wait_answer "workers=old loop=old" v
no_leftovers
expect_alive
