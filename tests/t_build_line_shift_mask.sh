# Shifted line numbers plus a changed constant that is not a line number
# (masked: x & 0x0f -> x & 0x1f): masked is still replaced, the shifted
# functions are ignored. gcc and clang, -O0 and -O2.
. "$TEST_LIB"

# check DIR: the build of the case in DIR (gcc-O2, ...).
check() {
	local d=$1
	expect_exit 0 "$NONSTOP" build -v -o $d/mask.nsp --binary $d/v1/prog $d/v1 $d/v2
	expect_stdout_match 'masked: changed bytes'
	expect_stdout_match '1 function replaced'
	expect_exit 0 "$NONSTOP" show $d/mask.nsp
	expect_stdout_match '^  replace +masked '
	expect_stdout_match '^ignored: +2$'
}
each_compiler line_shift_mask check
