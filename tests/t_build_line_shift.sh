# A function whose only difference is a shifted source line (assert's line
# argument, a LOG() macro's __LINE__) is unchanged: v2 inserts three lines
# above them and nothing else, so nonstop build exits 3 — with gcc and clang,
# at -O0 and -O2. -v says why each one was kept.
. "$TEST_LIB"

# check DIR: the build of the case in DIR (gcc-O2, ...).
check() {
	local d=$1
	expect_exit 3 "$NONSTOP" build -v -o $d/lines.nsp --binary $d/v1/prog $d/v1 $d/v2
	expect_stdout_match 'checked: unchanged \(line numbers only: [0-9]+ fields?, lines \+3\)'
	expect_stdout_match 'logged: unchanged \(line numbers only: [0-9]+ fields?, lines \+3\)'
	expect_stdout_no_match 'changed bytes|changed reference'
}
each_compiler line_shift check
