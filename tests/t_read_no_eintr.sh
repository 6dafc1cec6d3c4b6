# A thread blocked in read() sees neither EINTR nor a short read across
# apply and revert: the update is invisible to it.
. "$TEST_LIB"
build_case blocking
make_patch fix.nsp
start_target v1/prog
expect_eq old "$(ask answer)"
sleep 0.2	# the reader is back in read()
expect_exit 0 "$NONSTOP" apply "$TPID" fix.nsp
expect_eq new "$(ask answer)" "answer after apply"
sleep 0.2
expect_exit 0 "$NONSTOP" revert "$TPID"
expect_eq old "$(ask answer)" "answer after revert"
expect_eq 0 "$(ask eintr)" "failed read() calls"
expect_eq 0 "$(ask short)" "short reads"
