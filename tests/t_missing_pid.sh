# apply/revert/status on a process that does not exist: exit 1, one line.
. "$TEST_LIB"
build_case global_func
make_patch fix.nsp
pid=$(absent_pid)
expect_exit 1 "$NONSTOP" apply "$pid" fix.nsp
expect_one_error_line
expect_stderr_match "$pid"
expect_exit 1 "$NONSTOP" revert "$pid"
expect_one_error_line
expect_exit 1 "$NONSTOP" status "$pid"
expect_one_error_line
