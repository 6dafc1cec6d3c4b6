# v2 adds a global variable (initialised to 40) and a global function: the
# patch allocates and initialises the variable and links the new function.
. "$TEST_LIB"
build_case new_global
make_patch fix.nsp
start_target v1/prog
expect_eq 6 "$(ask call 5)" "v1 compute(5)"
expect_exit 0 "$NONSTOP" apply "$TPID" fix.nsp
expect_eq 51 "$(ask call 5)" "compute(5) = helper(5) = 10 + 41"
expect_eq 52 "$(ask call 5)" "the new global keeps counting"
expect_exit 0 "$NONSTOP" revert "$TPID"
expect_eq 6 "$(ask call 5)" "compute(5) after revert"
