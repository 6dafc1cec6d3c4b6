# Shifted line numbers plus a changed constant that is not a line number
# (masked: x & 0x0f -> x & 0x1f): masked is still replaced, the shifted
# functions are ignored. gcc and clang, -O0 and -O2.
. "$TEST_LIB"

variant() {
	# shellcheck disable=SC2317
	case_cflags() { echo "$("$NONSTOP" cflags) $VOPT -std=gnu11 -Wall -pthread"; }
	# shellcheck disable=SC2317
	gcc() { command "$VCC" "$@"; }
	VCC=$1 VOPT=$2 OUT=$1$2 build_case line_shift_mask
	unset -f gcc
}

for cc in gcc clang; do
	command -v $cc >/dev/null || { note "no $cc, skipped"; continue; }
	for opt in -O0 -O2; do
		note "--- $cc $opt"
		variant $cc $opt
		d=$cc$opt
		expect_exit 0 "$NONSTOP" build -v -o $d/mask.nsp --binary $d/v1/prog $d/v1 $d/v2
		expect_stdout_match 'masked: changed bytes'
		expect_stdout_match '1 function replaced'
		expect_exit 0 "$NONSTOP" show $d/mask.nsp
		expect_stdout_match '^  replace +masked '
		expect_stdout_match '^ignored: +2$'
	done
done
