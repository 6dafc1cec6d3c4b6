# Two patches stacked on the same function (the second, v2 to v3 built
# against the running v1 binary, saves the first's jump); an older one
# cannot be reverted before the newer; revert --all undoes both, newest
# first, and the old code answers again.
. "$TEST_LIB"
build_case global_func
build_version global_func v3 v2 v3
make_patch one.nsp
expect_exit 0 "$NONSTOP" build --name two -o two.nsp --binary v1/prog v2 v3
start_target v1/prog
expect_eq 6 "$(ask call 5)" "v1 compute(5)"
expect_exit 0 "$NONSTOP" apply "$TPID" one.nsp
expect_exit 0 "$NONSTOP" apply "$TPID" two.nsp
expect_eq 5000 "$(ask call 5)" "compute(5) with both applied"
expect_exit 1 "$NONSTOP" revert "$TPID" one
expect_stderr_match "before patch 'two'"
expect_eq 5000 "$(ask call 5)" "compute(5) after the refused revert"
expect_exit 0 "$NONSTOP" revert --all "$TPID"
expect_stdout_match "reverted patch 'two'"
expect_stdout_match "reverted patch 'one'"
expect_eq 6 "$(ask call 5)" "compute(5) after revert --all"
expect_exit 0 "$NONSTOP" status "$TPID"
expect_stdout_match 'no patches applied'
expect_exit 0 "$NONSTOP" revert --all "$TPID"
expect_stdout_match 'no patches applied'
expect_exit 2 "$NONSTOP" revert --all "$TPID" one
expect_alive
