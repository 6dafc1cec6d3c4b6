# A fix on top of a fix, each built against the binary the process runs
# (issue 14, kind 3): A goes from v1 to v2, B from v2 to v3, both with
# --binary v1/prog and no --new-binary chain. B replaces functions A already
# replaced: limit(), whose size A changed (the build of B used to be refused:
# "does not match v1/prog (size ...)"), greet() and calc(), which v2 changes
# only in a relocated field (the string greet() returns, the function calc()
# calls). B applies where the process runs v2's code for them, that is after
# A; on a process still running v1 it is refused before anything is written,
# naming the function and the difference: the relocated fields are resolved
# (what they point at: a string's bytes, a symbol) and compared, not masked.
# Reverting B then A gives v2 then v1 back, the program's state intact.
# With gcc and clang, at -O0, -O2 and -O3.
. "$TEST_LIB"

# scenario: the whole of it, with the compiler and level of CASE_CC and
# CASE_OPT, in the current directory.
scenario() {
	build_case stack_running
	build_version stack_running v3 v2 v3
	build_version stack_running v3g v2 v3g
	build_version stack_running v3c v2 v3c
	build_version stack_running v3t v2 v3t

	expect_exit 0 "$NONSTOP" build --name A -o A.nsp --binary v1/prog v1 v2
	expect_exit 0 "$NONSTOP" build --name B -o B.nsp --binary v1/prog v2 v3
	expect_stderr_match "warning: function limit: v2/calc.o is not the code v1/prog has for it \(its size differs\): the patch applies only where an earlier patch made the process run v2's"
	expect_exit 0 "$NONSTOP" build --name Bg -o Bg.nsp --binary v1/prog v2 v3g
	expect_exit 0 "$NONSTOP" build --name Bc -o Bc.nsp --binary v1/prog v2 v3c
	expect_exit 0 "$NONSTOP" build --name Bt -o Bt.nsp --binary v1/prog v2 v3t
	expect_exit 0 "$NONSTOP" show --json Bg.nsp
	expect_stdout_match '"refs":\[\{"at":[0-9]+,"string":"hello, world"\}\]'

	start_target v1/prog
	expect_eq hello "$(ask greet)" "v1 greet"
	expect_eq 11 "$(ask calc 5)" "v1 calc(5)"
	expect_eq 10 "$(ask limit 50)" "v1 limit(50)"

	note "--- B's functions on v1: refused, naming the difference"
	maps_snapshot maps.before
	expect_exit 1 "$NONSTOP" apply "$TPID" Bg.nsp
	expect_one_error_line
	expect_stderr_match "function greet in process $TPID differs from the code the patch was built against: at \+0x[0-9a-f]+ it refers to the string \"hello\", the build the patch was made from to \"hello, world\""
	expect_exit 1 "$NONSTOP" apply "$TPID" Bc.nsp
	expect_one_error_line
	expect_stderr_match "function calc in process $TPID differs from the code the patch was built against: at \+0x[0-9a-f]+ it refers to 'twice'\+0, the build the patch was made from to 'thrice'"
	# tally: a static variable reached through an instruction with an
	# immediate after the field (addl $1, hits_b(%rip)).
	expect_exit 1 "$NONSTOP" apply "$TPID" Bt.nsp
	expect_one_error_line
	expect_stderr_match "function tally in process $TPID differs from the code the patch was built against: at \+0x[0-9a-f]+ it refers to 'hits_a'\+0, the build the patch was made from to 'hits_b'"
	expect_exit 1 "$NONSTOP" apply "$TPID" B.nsp
	expect_one_error_line
	maps_snapshot maps.after
	diff maps.before maps.after || fail "/proc/$TPID/maps changed after a refused apply"
	expect_eq hello "$(ask greet)" "greet after the refusals"

	note "--- A, then B on top of it"
	expect_exit 0 "$NONSTOP" apply "$TPID" A.nsp
	expect_eq "hello, world" "$(ask greet)" "greet with A"
	expect_eq 16 "$(ask calc 5)" "calc(5) with A"
	expect_eq 100 "$(ask limit 500)" "limit(500) with A"
	expect_exit 0 "$NONSTOP" apply "$TPID" B.nsp
	expect_eq "hello, world" "$(ask greet)" "greet with B, first"
	expect_eq "hello again" "$(ask greet)" "greet with B, again"
	expect_eq 17 "$(ask calc 5)" "calc(5) with B"
	expect_eq 1000 "$(ask limit 5000)" "limit(5000) with B"
	expect_eq 2 "$(ask tally 1)" "tally with B: hits_b counts by 2"

	note "--- revert B, then A"
	expect_exit 0 "$NONSTOP" revert "$TPID"
	expect_eq "hello, world" "$(ask greet)" "greet after reverting B"
	expect_eq 100 "$(ask limit 5000)" "limit(5000) after reverting B"
	expect_exit 0 "$NONSTOP" revert "$TPID"
	expect_eq hello "$(ask greet)" "greet after reverting A"
	expect_eq 11 "$(ask calc 5)" "calc(5) after reverting A"
	expect_eq 10 "$(ask limit 5000)" "limit(5000) after reverting A"
	expect_eq 18 "$(ask count)" "commands answered, counted throughout"
	expect_alive
	stop_target
}

for cc in gcc clang; do
	command -v $cc >/dev/null || { note "no $cc, skipped"; continue; }
	for opt in -O0 -O2 -O3; do
		note "--- $cc $opt"
		mkdir -p "$cc$opt"
		cd "$cc$opt"
		CASE_CC=$cc CASE_OPT=$opt scenario
		cd ..
	done
done
