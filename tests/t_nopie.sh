# A non-PIE executable (-fno-pie -no-pie): data, string and libc references
# resolve at fixed addresses.
. "$TEST_LIB"
build_case relocs --no-pie
readelf -h v1/prog | grep -q 'EXEC' || fail "v1/prog is not a non-PIE executable"
make_patch fix.nsp
start_target v1/prog
expect_eq "v1 12" "$(ask describe 5)"
expect_exit 0 "$NONSTOP" apply "$TPID" fix.nsp
expect_eq "v2 17" "$(ask describe 5)" "describe(5) after apply"
expect_exit 0 "$NONSTOP" revert "$TPID"
expect_eq "v1 12" "$(ask describe 5)" "describe(5) after revert"
