# What a new user tries first: nonstop --version and nonstop version print
# the version of include/nonstop.h; nonstop --help lists every command
# (each one's own --help works); and the test runner refuses a test name
# it does not know, lists the tests, and explains itself.
. "$TEST_LIB"
major=$(sed -n 's/^#define NONSTOP_VERSION_MAJOR //p' "$ROOT/include/nonstop.h")
minor=$(sed -n 's/^#define NONSTOP_VERSION_MINOR //p' "$ROOT/include/nonstop.h")
for v in --version version -V; do
	expect_exit 0 "$NONSTOP" $v
	[ "$(cat last.out)" = "nonstop $major.$minor" ] || fail "$v printed '$(cat last.out)'"
done
expect_exit 2 "$NONSTOP" version extra
expect_exit 0 "$NONSTOP" --help
for cmd in cflags build show apply revert status version help; do
	grep -Eq "^  $cmd +[a-z]" last.out || fail "--help does not list $cmd: $(cat last.out)"
done
cp last.out help.out
for cmd in $(awk '/^commands:/ { on = 1; next } on && /^  [a-z]/ { print $1 } /^$/ && on { exit }' help.out); do
	expect_exit 0 "$NONSTOP" "$cmd" --help
	grep -q "usage: nonstop" last.out || [ "$cmd" = help ] ||
		fail "nonstop $cmd --help has no usage line"
done
expect_exit 2 "$NONSTOP" --no-such-thing
expect_stderr_match "unknown command '--no-such-thing'"

expect_exit 2 bash "$TESTS/run.sh" t_no_such_test_here
expect_stderr_match "no test is named 't_no_such_test_here'"
grep -q passed last.out && fail "ran tests for an unknown name: $(cat last.out)"
expect_exit 0 bash "$TESTS/run.sh" --list
grep -Eq '^t_cli_basics +What a new user tries first' last.out ||
	fail "--list does not show this test: $(head -5 last.out)"
[ "$(wc -l <last.out)" = "$(ls "$TESTS"/t_*.sh | wc -l)" ] || fail "--list is not every test"
expect_exit 0 bash "$TESTS/run.sh" --help
expect_stdout_match "make check: every test"
expect_exit 2 bash "$TESTS/run.sh" --bogus
