# The host-wide forms refuse what does not go together, and a patch that
# cannot be read is refused before any process is looked at (with --json:
# one document saying so).
. "$TEST_LIB"
expect_exit 2 "$NONSTOP" apply --all-processes 1 fix.nsp
expect_stderr_match "--all-processes expects PATCH alone"
expect_exit 2 "$NONSTOP" apply --jobs 2 1 fix.nsp
expect_stderr_match "--jobs, --user and --exclude go with --all-processes"
expect_exit 2 "$NONSTOP" apply --all-processes --jobs 0 fix.nsp
expect_stderr_match "--jobs wants a number from 1 to 1024"
expect_exit 2 "$NONSTOP" apply --all-processes --user no-such-user-here fix.nsp
expect_stderr_match "--user: no user 'no-such-user-here'"
expect_exit 2 "$NONSTOP" apply --all-processes --exclude x fix.nsp
expect_stderr_match "--exclude: 'x' is not a process id"
expect_exit 2 "$NONSTOP" apply --all-processes --replace fix.nsp
expect_exit 2 "$NONSTOP" revert --all-processes --all
expect_exit 2 "$NONSTOP" status --all-processes 1
expect_exit 2 "$NONSTOP" show --all-processes fix.nsp
printf 'not a patch' >bad.nsp
expect_exit 1 "$NONSTOP" apply --all-processes --json bad.nsp
jq -e '.ok == false and .command == "apply" and (.error | length > 0)' last.out >/dev/null ||
	fail "not one JSON document saying why: $(cat last.out)"
expect_one_error_line
expect_exit 0 "$NONSTOP" revert --all-processes --user 12345 --json
jq -e '.ok and .summary.processes == 0' last.out >/dev/null || fail "$(cat last.out)"
