# status lists the applied patch by name with the function it redirects;
# after revert it lists none.
. "$TEST_LIB"
build_case global_func
make_patch fix.nsp
start_target v1/prog
expect_exit 0 "$NONSTOP" status "$TPID"
expect_stdout_no_match '\<fix\>'
expect_exit 0 "$NONSTOP" apply "$TPID" fix.nsp
expect_exit 0 "$NONSTOP" status "$TPID"
expect_stdout_match '\<fix\>'
expect_stdout_match '\<compute\>'
expect_exit 0 "$NONSTOP" revert "$TPID"
expect_exit 0 "$NONSTOP" status "$TPID"
expect_stdout_no_match '\<fix\>'
expect_stdout_no_match '\<compute\>'
