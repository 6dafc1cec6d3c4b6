# revert with nothing applied is refused with one clear line.
. "$TEST_LIB"
build_case global_func
start_target v1/prog
expect_exit 1 "$NONSTOP" revert "$TPID"
expect_one_error_line
expect_eq 6 "$(ask call 5)"
expect_alive
