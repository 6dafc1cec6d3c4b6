# A thread asleep in a system call that never passes an update point is
# switched by nonstop while it sleeps (issue 13; src/transition/pt_blocked.h):
# the target has a thread "asleep" in pause(), outside any function the
# patch replaces, and no update point in its loop. The per-thread apply
# completes without --mode stop: the workers and the loop switch at their
# update points, "asleep" is held a moment while it sleeps, its stack
# checked, and switched; woken, it runs the new handler(). Revert switches
# it back the same way and releases the patch's memory at once (its stack
# is checked for the patch's memory from outside too). The program never
# sees EINTR from the pause() it sleeps in (it would wake and count).
# timeout: 300
. "$TEST_LIB"

build_case pt --libnonstop
make_patch fix.nsp
start_target v1/prog --asleep
expect_eq "asleep=2" "$(ask wake)" "the asleep thread before the patch"

expect_exit 0 "$NONSTOP" apply --json --timeout 10 "$TPID" fix.nsp
expect_stdout_match '"mode":"per-thread"'
expect_stdout_match '"switched_asleep":[1-9]'
expect_stdout_match '"pending":false'
wait_answer "workers=new loop=new" v
expect_exit 0 "$NONSTOP" status "$TPID"
expect_stdout_match 'asleep +switched \(generation [0-9]+\) by nonstop, while asleep in a system call'
expect_stdout_match 'loop +switched \(generation [0-9]+\)$'
expect_exit 0 "$NONSTOP" status --json "$TPID"
expect_stdout_match '"name":"asleep",[^}]*"switched_asleep":true'
expect_eq 1 "$(ask wakes)" "times the asleep thread woke (once, by the test)"
expect_eq "asleep=3" "$(ask wake)" "the asleep thread after the patch"
expect_eq 0 "$(ask mixed)" "mixed pairs"

# Asleep again (it went back to pause()), it is switched back by nonstop.
expect_exit 0 "$NONSTOP" revert --timeout 10 "$TPID" fix
expect_stdout_match 'asleep in a system call by nonstop'
expect_stdout_no_match 'kept until'
wait_answer "workers=old loop=old" v
expect_eq 2 "$(ask wakes)" "times the asleep thread woke"
expect_eq "asleep=2" "$(ask wake)" "the asleep thread after the revert"
maps_snapshot after.maps
grep -q 'nonstop:' after.maps && fail "patch memory left: $(grep nonstop: after.maps)"
expect_eq 0 "$(ask mixed)" "mixed pairs"
expect_alive
