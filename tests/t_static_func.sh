# A changed static function, called from a function that did not change.
. "$TEST_LIB"
build_case static_func
make_patch fix.nsp
# show names the static function that changed.
expect_exit 0 "$NONSTOP" show fix.nsp
expect_stdout_match '\<scale\>'
start_target v1/prog
expect_eq 1010 "$(ask call 5)" "v1 handle(5) = 2*5 + 1000"
expect_exit 0 "$NONSTOP" apply "$TPID" fix.nsp
expect_eq 1015 "$(ask call 5)" "handle(5) after apply = 3*5 + 1000"
expect_exit 0 "$NONSTOP" revert "$TPID"
expect_eq 1010 "$(ask call 5)" "handle(5) after revert"
