# An existing global keeps its live value across apply and revert: the new
# code works on the variable the old code was using.
. "$TEST_LIB"
build_case global_state
make_patch fix.nsp
start_target v1/prog
expect_eq 1 "$(ask bump)"
expect_eq 2 "$(ask bump)"
expect_eq 3 "$(ask bump)" "counter after 3 v1 bumps"
expect_exit 0 "$NONSTOP" apply "$TPID" fix.nsp
expect_eq 3 "$(ask get)" "counter right after apply"
expect_eq 103 "$(ask bump)" "v2 bump (+100) continues from 3"
expect_exit 0 "$NONSTOP" revert "$TPID"
expect_eq 103 "$(ask get)" "counter right after revert"
expect_eq 104 "$(ask bump)" "v1 bump continues from 103"
