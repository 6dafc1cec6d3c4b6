# revert PID NAME restores the old behaviour; the name is the patch file's
# base name when build got no --name.
. "$TEST_LIB"
build_case global_func
make_patch fix.nsp
start_target v1/prog
expect_exit 0 "$NONSTOP" apply "$TPID" fix.nsp
expect_eq 500 "$(ask call 5)"
expect_exit 0 "$NONSTOP" revert "$TPID" fix
expect_eq 6 "$(ask call 5)" "compute(5) after revert"
expect_alive
