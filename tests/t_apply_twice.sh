# Applying the same patch twice: the second apply is refused, "already
# applied", and the first stays in effect.
. "$TEST_LIB"
build_case global_func
make_patch fix.nsp
start_target v1/prog
expect_exit 0 "$NONSTOP" apply "$TPID" fix.nsp
expect_exit 1 "$NONSTOP" apply "$TPID" fix.nsp
expect_one_error_line
expect_stderr_match 'already applied'
expect_eq 500 "$(ask call 5)" "the first apply is still in effect"
expect_exit 0 "$NONSTOP" revert "$TPID"
expect_eq 6 "$(ask call 5)" "one revert undoes it"
