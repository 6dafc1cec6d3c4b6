# nonstop build --src DIR --diff FIX with a diff that does not apply: exit 1,
# one line naming the file and the hunk; DIR untouched.
. "$TEST_LIB"
SRC_CASES=$TESTS/src_cases
cp -a "$SRC_CASES/assert_fix" src
snapshot() { (cd src && find . -printf '%p %T@ %s %m\n' | sort); }
snapshot >before.txt
expect_exit 1 "$NONSTOP" build -o bad.nsp --src src --diff "$SRC_CASES/assert_fix/bad.diff"
expect_stderr_match 'bad\.diff'
expect_stderr_match 'lib/ops\.c: Hunk #1 FAILED at 5'
expect_one_error_line
[ ! -e bad.nsp ] || fail "bad.nsp written"
snapshot >after.txt
diff before.txt after.txt || fail "the source tree changed"

# A build command that fails: exit 1 naming the step, with its output.
expect_exit 1 "$NONSTOP" build -o bad.nsp --src src --diff "$SRC_CASES/assert_fix/fix.diff" \
	--make 'echo compiler exploded; exit 2'
expect_stderr_match 'building the original tree: .* failed'
expect_stdout_match 'compiler exploded'
expect_one_error_line

# Usage errors.
expect_exit 2 "$NONSTOP" build -o bad.nsp --src src
expect_exit 2 "$NONSTOP" build -o bad.nsp --src src --diff x.diff old new
