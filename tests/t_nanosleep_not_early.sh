# A thread sleeping in nanosleep(2 s) is not woken early by apply or revert
# (it measures each sleep with CLOCK_MONOTONIC).
. "$TEST_LIB"
build_case blocking
make_patch fix.nsp
start_target v1/prog
s0=$(ask sleeps)
sleep 0.5	# the sleeper is in the middle of a sleep
expect_exit 0 "$NONSTOP" apply "$TPID" fix.nsp
sleep 0.3
expect_exit 0 "$NONSTOP" revert "$TPID"
# Wait (at most 10 s) until the sleeps that spanned the update have ended.
for _ in $(seq 100); do
	[ "$(ask sleeps)" -ge $((s0 + 2)) ] && break
	sleep 0.1
done
[ "$(ask sleeps)" -ge $((s0 + 2)) ] || fail "the sleeper stopped sleeping"
expect_eq 0 "$(ask early)" "sleeps that ended early or failed"
expect_alive
