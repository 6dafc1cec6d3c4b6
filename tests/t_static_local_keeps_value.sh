# A static local keeps its live value across apply and revert.
. "$TEST_LIB"
build_case static_local
make_patch fix.nsp
start_target v1/prog
expect_eq 1 "$(ask tick)"
expect_eq 2 "$(ask tick)"
expect_eq 3 "$(ask tick)" "static local after 3 v1 ticks"
expect_exit 0 "$NONSTOP" apply "$TPID" fix.nsp
expect_eq 103 "$(ask tick)" "v2 tick (+100) continues from 3"
expect_exit 0 "$NONSTOP" revert "$TPID"
expect_eq 104 "$(ask tick)" "v1 tick continues from 103"
