# Only a string literal changed (the code bytes are identical): the patch
# must still carry it.
. "$TEST_LIB"
build_case string_literal
make_patch fix.nsp
start_target v1/prog
expect_eq "hello from v1" "$(ask greet)"
expect_exit 0 "$NONSTOP" apply "$TPID" fix.nsp
expect_eq "HELLO FROM V2" "$(ask greet)" "greeting after apply"
expect_exit 0 "$NONSTOP" revert "$TPID"
expect_eq "hello from v1" "$(ask greet)" "greeting after revert"
