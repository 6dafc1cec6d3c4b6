# apply/show of a patch file that does not exist: exit 1, one line naming it.
. "$TEST_LIB"
build_case global_func
start_target v1/prog
expect_exit 1 "$NONSTOP" apply "$TPID" no-such.nsp
expect_one_error_line
expect_stderr_match 'no-such\.nsp'
expect_exit 1 "$NONSTOP" show no-such.nsp
expect_one_error_line
expect_stderr_match 'no-such\.nsp'
expect_eq 6 "$(ask call 5)"
expect_alive
