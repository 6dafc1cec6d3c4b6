# A PIE executable (-fpie -pie): data, string and libc references resolve.
. "$TEST_LIB"
build_case relocs --pie
readelf -h v1/prog | grep -q 'DYN' || fail "v1/prog is not PIE"
make_patch fix.nsp
start_target v1/prog
expect_eq "v1 12" "$(ask describe 5)"
expect_exit 0 "$NONSTOP" apply "$TPID" fix.nsp
expect_eq "v2 17" "$(ask describe 5)" "describe(5) after apply"
expect_exit 0 "$NONSTOP" revert "$TPID"
expect_eq "v1 12" "$(ask describe 5)" "describe(5) after revert"
