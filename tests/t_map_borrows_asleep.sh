# To map the patch, nonstop borrows one thread for a few system calls. It
# takes one asleep in the kernel (its call just restarts later) over one
# running the program's code, even when that one comes first: here the
# main thread computes without pause and a second thread waits in read()
# for commands. apply --json names the thread (load_stop_tid): the second;
# the patch applies, and the main thread keeps computing.
. "$TEST_LIB"
build_case busy_main
make_patch fix.nsp
start_target v1/prog
tid=$(ask tid)
[ "$tid" != "$TPID" ] || fail "the answering thread is the main thread"
expect_eq old "$(ask answer)"

"$NONSTOP" apply --json "$TPID" fix.nsp >out.json || fail "apply failed: $(cat out.json)"
got=$(sed -n 's/.*"load_stop_tid":\([0-9]*\).*/\1/p' out.json)
[ "$got" = "$tid" ] || fail "nonstop borrowed thread ${got:-?} to map the patch, not the one asleep ($tid): $(cat out.json)"
expect_eq new "$(ask answer)" "answer after apply"
s0=$(ask spins)
sleep 0.1
s1=$(ask spins)
[ "$s1" -gt "$s0" ] || fail "the main thread stopped computing ($s0 -> $s1)"
expect_exit 0 "$NONSTOP" revert "$TPID" fix
expect_eq old "$(ask answer)" "answer after revert"
expect_alive
