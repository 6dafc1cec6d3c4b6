# Usage errors exit 2: no arguments, unknown command or option, a PID that
# is not a number, missing operands.
. "$TEST_LIB"
expect_exit 2 "$NONSTOP"
expect_exit 2 "$NONSTOP" no-such-command
expect_exit 2 "$NONSTOP" apply --no-such-option 1 x.nsp
expect_exit 2 "$NONSTOP" apply abc x.nsp
expect_exit 2 "$NONSTOP" apply -5 x.nsp
expect_exit 2 "$NONSTOP" apply 12x x.nsp
expect_exit 2 "$NONSTOP" apply 1
expect_exit 2 "$NONSTOP" apply --timeout abc 1 x.nsp
expect_exit 2 "$NONSTOP" revert abc
expect_exit 2 "$NONSTOP" revert
expect_exit 2 "$NONSTOP" status abc
expect_exit 2 "$NONSTOP" status
expect_exit 2 "$NONSTOP" show
expect_exit 2 "$NONSTOP" build
expect_exit 2 "$NONSTOP" build -o x.nsp a b
expect_exit 2 "$NONSTOP" show --no-such-option x.nsp
for cmd in cflags build show apply revert status; do
	expect_exit 0 "$NONSTOP" "$cmd" --help
	[ -s last.out ] || fail "'nonstop $cmd --help' printed nothing on stdout"
done
