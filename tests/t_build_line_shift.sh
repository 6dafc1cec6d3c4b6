# A function whose only difference is a shifted source line (assert's line
# argument, a LOG() macro's __LINE__) is unchanged: v2 inserts three lines
# above them and nothing else, so nonstop build exits 3 — with gcc and clang,
# at -O0 and -O2. -v says why each one was kept.
. "$TEST_LIB"

# variant CC OPT: builds the case with compiler CC at OPT into ./CC-OPT.
variant() {
	# shellcheck disable=SC2317
	case_cflags() { echo "$("$NONSTOP" cflags) $VOPT -std=gnu11 -Wall -pthread"; }
	# shellcheck disable=SC2317
	gcc() { command "$VCC" "$@"; }
	VCC=$1 VOPT=$2 OUT=$1$2 build_case "$CASE"
	unset -f gcc
}

CASE=line_shift
for cc in gcc clang; do
	command -v $cc >/dev/null || { note "no $cc, skipped"; continue; }
	for opt in -O0 -O2; do
		note "--- $cc $opt"
		variant $cc $opt
		d=$cc$opt
		expect_exit 3 "$NONSTOP" build -v -o $d/lines.nsp --binary $d/v1/prog $d/v1 $d/v2
		expect_stdout_match 'checked: unchanged \(line numbers only: [0-9]+ fields?, lines \+3\)'
		expect_stdout_match 'logged: unchanged \(line numbers only: [0-9]+ fields?, lines \+3\)'
		expect_stdout_no_match 'changed bytes|changed reference'
	done
done
