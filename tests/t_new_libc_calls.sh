# v2 calls snprintf and strlen, which the v1 program never imported (no PLT
# entry, no GOT slot): the patch must bind them to the target's libc.
. "$TEST_LIB"
build_case libc_calls
if nm -D v1/prog | grep -Eq ' U (snprintf|strlen)\>'; then
	fail "test is broken: v1/prog already imports snprintf or strlen"
fi
make_patch fix.nsp
start_target v1/prog
expect_eq positive "$(ask label 42)"
expect_exit 0 "$NONSTOP" apply "$TPID" fix.nsp
expect_eq "value 42 (8 chars)" "$(ask label 42)" "label(42) after apply"
expect_exit 0 "$NONSTOP" revert "$TPID"
expect_eq positive "$(ask label 42)" "label(42) after revert"
