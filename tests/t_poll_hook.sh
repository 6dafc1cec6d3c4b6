# A single-threaded program waiting in poll() with a timeout (2 s), whose
# patch has hooks: every call nonstop makes in it (mapping the patch, the
# hooks, unmapping) runs in that one thread, interrupted in poll. Across
# apply and revert, again and again, poll never fails with EINTR nor
# times out early, and the hooks ran (the new answer() says so). The
# hooks change the SSE rounding mode; the program's stays its own.
# timeout: 180
. "$TEST_LIB"

build_case poll_hook
make_patch fix.nsp
start_target v1/prog
for i in 1 2 3; do
	expect_exit 0 "$NONSTOP" apply "$TPID" fix.nsp
	expect_eq new "$(ask answer)" "answer after apply $i"
	expect_exit 0 "$NONSTOP" revert "$TPID"
	expect_eq old "$(ask answer)" "answer after revert $i"
	sleep 0.5	# a poll's timeout runs out during the next apply
done
# Let a poll time out (a command would end it: none for 2.5 s).
t0=$(ask timeouts)
sleep 2.5
[ "$(ask timeouts)" -gt "$t0" ] || fail "poll() did not time out in 2.5 s"
expect_eq 0 "$(ask eintr)" "poll() calls that failed"
expect_eq 0 "$(ask early)" "polls that timed out early"
expect_eq 0 "$(ask mxcsr)" "polls after which the rounding mode had changed"
expect_alive
