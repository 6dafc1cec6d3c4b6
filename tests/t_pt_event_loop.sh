# Event loops in the per-thread mode. A thread that never leaves its loop
# function switches, at the update point inside the loop, to the new
# version of what it calls (handler). A patch that changes the loop
# function itself says what will happen; the thread already in it keeps
# its old version. A thread started afterwards runs the new loop, so when
# that patch is reverted its code stays on that thread's stack: revert
# says the memory is kept, status shows it retiring, and the process runs
# the old code meanwhile.
# timeout: 300
. "$TEST_LIB"

build_case pt --libnonstop
mkdir -p src-v3
cp "$CASES/pt/v1"/*.c src-v3/
cp "$CASES/pt/v3"/*.c src-v3/
compile_dir src-v3 v3 -I"$ROOT/include"
make_patch fix.nsp
make_patch loop.nsp v1 v3
start_target v1/prog

expect_exit 0 "$NONSTOP" apply "$TPID" fix.nsp
wait_answer "workers=new loop=new" v
expect_exit 0 "$NONSTOP" revert "$TPID"
wait_answer "workers=old loop=old" v

expect_exit 0 "$NONSTOP" show loop.nsp
expect_stdout_match 'replace +event_loop'
expect_exit 0 "$NONSTOP" apply "$TPID" loop.nsp
expect_stdout_match 'event_loop contains an update point'
wait_answer "workers=new loop=new" v
expect_eq spawned "$(ask spawn)" "a second loop thread"
sleep 0.2
expect_exit 0 "$NONSTOP" revert --timeout 1 "$TPID"
expect_stdout_match 'memory is kept'
expect_stdout_match 'loop2'
wait_answer "workers=old loop=old" v
expect_eq 0 "$(ask mixed)" "mixed pairs"
expect_exit 0 "$NONSTOP" status "$TPID"
expect_stdout_match 'retiring'
grep -q 'nonstop:' "/proc/$TPID/maps" || fail "the retiring patch's memory is gone"
expect_alive
