# A changed global function: after apply the process runs the new code.
. "$TEST_LIB"
build_case global_func
make_patch fix.nsp
start_target v1/prog
expect_eq 6 "$(ask call 5)" "v1 compute(5)"
expect_exit 0 "$NONSTOP" apply "$TPID" fix.nsp
expect_eq 500 "$(ask call 5)" "compute(5) after apply"
expect_eq 700 "$(ask call 7)" "compute(7) after apply"
expect_alive
