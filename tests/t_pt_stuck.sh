# A thread that never reaches an update point, and that nonstop cannot
# switch while it sleeps, is reported, never forced. The target has a
# thread "stuck" in pause() inside stuck_wait(), a function the patch
# replaces. apply --timeout 1 refuses, naming that thread, where it is and
# why nonstop could not switch it, and what would help, and withdraws the
# patch: the other
# threads go back to the old code, never mixing, and no patch memory is
# left. With --leave-pending the transition stays pending instead: the
# workers run the new code, status lists the thread that has not switched,
# and revert brings everyone back and releases the memory.
# timeout: 300
. "$TEST_LIB"

build_case pt --libnonstop
make_patch fix.nsp
start_target v1/prog --stuck
maps_snapshot before.maps

expect_exit 1 "$NONSTOP" apply --timeout 1 "$TPID" fix.nsp
expect_one_error_line
expect_stderr_match 'thread [0-9]+ \(stuck\) has not passed an update point'
expect_stderr_match 'blocked in system call pause'
expect_stderr_match 'has not passed an update point ever'
expect_stderr_match 'could not switch it while asleep: its stack holds stuck_wait'
expect_stderr_match '\-\-mode stop'
expect_stderr_match 'withdrawn'
wait_answer "workers=old loop=old" v
expect_eq 0 "$(ask mixed)" "mixed pairs"
maps_snapshot after.maps
grep -q 'nonstop:' after.maps && fail "patch memory left: $(grep nonstop: after.maps)"
expect_exit 0 "$NONSTOP" status "$TPID"
expect_stdout_match 'no patches applied'

expect_exit 0 "$NONSTOP" apply --timeout 1 --leave-pending "$TPID" fix.nsp
expect_stdout_match 'pending'
expect_stderr_match 'thread [0-9]+ \(stuck\) has not passed an update point'
wait_answer "workers=new loop=new" v
expect_exit 0 "$NONSTOP" status "$TPID"
expect_stdout_match 'switching'
expect_stdout_match 'stuck .*not switched'
expect_stdout_match 'loop .*switched'
expect_exit 0 "$NONSTOP" status --json "$TPID"
expect_stdout_match '"threads_on_old_code":\[[0-9]+\]'
expect_exit 0 "$NONSTOP" revert --timeout 2 "$TPID"
wait_answer "workers=old loop=old" v
expect_eq 0 "$(ask mixed)" "mixed pairs"
maps_snapshot after2.maps
grep -q 'nonstop:' after2.maps && fail "patch memory left: $(grep nonstop: after2.maps)"
expect_alive
