# A thread asleep in a system call when nonstop attaches, that wakes and
# enters the function the patch replaces after the attach but before its
# stop, is seen there: threads are checked only once they are stopped,
# never from a look taken before. nonstop is made to sleep (3 s) just
# before it stops the threads (NONSTOP_FAULT_SLEEP_MS at the step "stop
# every thread"); meanwhile the sleeper is woken into enter() and stays.
# The apply is refused, naming enter(), and changes nothing; once the
# thread has left, the same apply goes in.
. "$TEST_LIB"
build_case wake_enter
make_patch fix.nsp
start_target v1/prog
expect_eq 1 "$(ask answer)" "answer before"

# The step at which the switch stops every thread, from a logged run
# (applied and reverted: the target's threads are as before).
NONSTOP_FAULT_LOG=1 "$NONSTOP" apply "$TPID" fix.nsp 2>steps.log >/dev/null ||
	fail "logged apply failed: $(cat steps.log)"
expect_exit 0 "$NONSTOP" revert "$TPID" fix
expect_eq 1 "$(ask answer)" "answer after the logged run's revert"
k=$(sed -n 's/^nonstop: step \([0-9]*\): stop every thread .*/\1/p' steps.log | head -n 1)
[ -n "$k" ] || fail "no step 'stop every thread' in: $(cat steps.log)"
note "the threads are stopped at step $k"

NONSTOP_FAULT_AT=$k NONSTOP_FAULT_SLEEP_MS=3000 \
	"$NONSTOP" apply --timeout 0.5 "$TPID" fix.nsp >apply.out 2>apply.err &
apid=$!
for _ in $(seq 100); do
	grep -q "^nonstop: sleeping" apply.err && break
	kill -0 "$apid" 2>/dev/null || break
	sleep 0.05
done
grep -q "^nonstop: sleeping 3000 ms at step $k (stop every thread)" apply.err ||
	fail "nonstop did not pause before the stop: $(cat apply.err)"
expect_eq inside "$(ask wake)" "the sleeper woke into enter()"
kill -0 "$apid" 2>/dev/null ||
	fail "nonstop went on before the thread was woken: the window was missed"
rc=0
wait "$apid" || rc=$?
sed 's/^/  err| /' apply.err
[ "$rc" = 1 ] || fail "apply with a thread that entered enter() before the stop exited $rc, expected 1: $(cat apply.out apply.err)"
grep -Eq "refused: thread [0-9]+ (is in|will return into) (function )?enter " apply.err ||
	fail "the refusal does not name enter(): $(cat apply.err)"
expect_eq 1 "$(ask answer)" "answer after the refusal"
if grep -q nonstop: "/proc/$TPID/maps"; then fail "patch memory left: $(grep nonstop: "/proc/$TPID/maps")"; fi

expect_eq released "$(ask release)"
expect_exit 0 "$NONSTOP" apply "$TPID" fix.nsp
expect_eq 2 "$(ask answer)" "answer after apply"
before=$(ask enters)
expect_eq inside "$(ask wake)" "the sleeper woke into the new enter()"
expect_eq released "$(ask release)"
expect_eq $((before + 2)) "$(ask enters)" "enter() counts as v2's"
expect_exit 0 "$NONSTOP" revert "$TPID" fix
expect_eq 1 "$(ask answer)" "answer after revert"
expect_alive
