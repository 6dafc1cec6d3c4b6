# apply --replace: a cumulative patch replaces every applied patch in one
# switch.
#
# Part 1, on the stacking case (state: the global bias, the count of
# scale() calls): A (v1 -> v2) and B (v2 -> v3, on top of A) applied, then
# the cumulative C (v1 -> v3, built against v1) with --replace: the process
# answers as v3, its state kept, `status` lists only C and A's and B's
# memory is gone; a patch on top of C stacks as usual; reverting C gives
# back v1. A --replace refused for its build-id leaves A and B applied and
# working, the maps unchanged (B, and D built on v3, name the patch whose
# version they were built on; X was built on another build altogether).
# With nothing applied it is a plain apply. A cumulative E (v1 -> v1 with
# v2x's scale()) replaces C, then A and B, and gives compute(), which only
# they had changed, its original code back.
#
# Part 2, on the kill case (threads call both patched functions without
# pause): A changes a(), B on top of it b(), the cumulative C changes a()
# (differently) and leaves b() as v1 had it. apply --replace C fails, then
# is killed, at each of its steps in turn; after each the target runs, no
# thread stopped or traced, and runs A+B or C, as `status` says — never a
# mix; a failed run leaves no memory of C behind.
# timeout: 900
. "$TEST_LIB"

# applied: the names of the patches `status --json` lists, in any state.
applied() {
	"$NONSTOP" status --json "$TPID" |
		grep -o '"name":"[^"]*","seq":[0-9]*,"state":"[a-z]*"' |
		cut -d'"' -f4 | paste -sd' ' || true
}
# mappings: the patches whose memory is in the target, sorted.
mappings() {
	grep -o 'nonstop:[^ ]*' "/proc/$TPID/maps" | sed 's/^nonstop://' |
		sort -u | paste -sd' ' || true
}

# --- part 1 -------------------------------------------------------------------

build_case stack_chain
build_version stack_chain v3 v2 v3
build_version stack_chain v4 v2 v3 v4
build_version stack_chain v1x v2x
v1id=$(build_id v1/prog) v2id=$(build_id v2/prog) v3id=$(build_id v3/prog)
v1xid=$(build_id v1x/prog)

expect_exit 0 "$NONSTOP" build --name A -o A.nsp --binary v1/prog --new-binary v2/prog v1 v2
expect_exit 0 "$NONSTOP" build --name B -o B.nsp --binary v2/prog --new-binary v3/prog v2 v3
expect_exit 0 "$NONSTOP" build --name C -o C.nsp --binary v1/prog --new-binary v3/prog v1 v3
expect_exit 0 "$NONSTOP" build --name D -o D.nsp --binary v3/prog v3 v4
expect_exit 0 "$NONSTOP" build --name E -o E.nsp --binary v1/prog v1 v1x
expect_exit 0 "$NONSTOP" build --name X -o X.nsp --binary v1x/prog v1x v4
expect_exit 0 "$NONSTOP" show E.nsp
expect_stdout_match 'replace +scale\>'
expect_stdout_no_match 'replace +compute\>'

expect_exit 0 "$NONSTOP" apply --help
expect_stdout_match '--replace'

start_target v1/prog
expect_eq 'bias 2' "$(ask bias 2)"
expect_eq 8 "$(ask call 5)" "v1 compute(5)"
expect_eq 1010 "$(ask handle 5)" "v1 handle(5)"
expect_exit 0 "$NONSTOP" apply "$TPID" A.nsp
expect_exit 0 "$NONSTOP" apply "$TPID" B.nsp
expect_eq 509 "$(ask call 5)" "compute(5) with A and B (v3)"
expect_eq 1015 "$(ask handle 5)" "handle(5) with A and B (v3)"

# Refused: B is built against v2, not the original v1.
maps_snapshot maps.before
expect_exit 1 "$NONSTOP" apply --replace "$TPID" B.nsp
expect_one_error_line
expect_stderr_match "--replace needs a patch built against the original program: patch 'B' was built for prog at build-id $v2id, the version patch 'A' produces; process $TPID runs .*/v1/prog at build-id $v1id"
expect_exit 1 "$NONSTOP" apply --replace "$TPID" D.nsp
expect_one_error_line
expect_stderr_match "patch 'D' was built for prog at build-id $v3id, the version patch 'B' produces; process $TPID"
expect_exit 1 "$NONSTOP" apply --replace "$TPID" X.nsp
expect_one_error_line
expect_stderr_match "patch 'X' was built for prog at build-id $v1xid; process $TPID runs .*/v1/prog at build-id $v1id\$"
maps_snapshot maps.after
diff maps.before maps.after || fail "/proc/$TPID/maps changed after a refused --replace"
expect_eq "A B" "$(applied)" "patches applied after the refusals"
expect_eq 509 "$(ask call 5)" "compute(5) after the refusals"
expect_eq 1015 "$(ask handle 5)" "handle(5) after the refusals"

# C replaces A and B.
expect_exit 0 "$NONSTOP" apply --replace --json "$TPID" C.nsp
expect_stdout_match '"ok":true,"patch":"C"'
expect_stdout_match '"replaced":\["A","B"\],"restored":0'
if [ -s last.err ]; then fail "apply --replace wrote on stderr: $(cat last.err)"; fi
expect_eq 509 "$(ask call 5)" "compute(5) with C (v3)"
expect_eq 1015 "$(ask handle 5)" "handle(5) with C (v3)"
expect_eq 4 "$(ask calls)" "scale() calls, counted across the replace"
expect_eq C "$(applied)" "patches listed by status"
expect_eq C "$(mappings)" "patch memory in the target"
expect_exit 0 "$NONSTOP" status "$TPID"
expect_stdout_match '1 patch applied'

# The same patch again: already applied.
expect_exit 1 "$NONSTOP" apply --replace "$TPID" C.nsp
expect_one_error_line
expect_stderr_match "already applied"

# A patch built on top of C's result (v3) stacks on it.
expect_exit 0 "$NONSTOP" apply "$TPID" D.nsp
expect_eq 1020 "$(ask handle 5)" "handle(5) with C and D (v4)"
expect_eq "C D" "$(applied)" "patches applied"
expect_exit 0 "$NONSTOP" revert "$TPID"
expect_eq 1015 "$(ask handle 5)" "handle(5) after reverting D (v3)"

# Reverting C gives back the original program, state kept.
expect_exit 0 "$NONSTOP" revert "$TPID"
expect_stdout_match "reverted patch 'C'"
expect_eq 8 "$(ask call 5)" "compute(5) after reverting C (v1)"
expect_eq 1010 "$(ask handle 5)" "handle(5) after reverting C (v1)"
expect_eq 'bias 2' "$(ask bias 2)"
expect_eq 7 "$(ask calls)" "scale() calls"
expect_exit 0 "$NONSTOP" status "$TPID"
expect_stdout_match 'no patches applied'
expect_eq "" "$(mappings)" "patch memory in the target"

# Nothing applied: a plain apply.
expect_exit 0 "$NONSTOP" apply --replace "$TPID" C.nsp
expect_stdout_match "^applied patch 'C'"
expect_stdout_match "^no patch was applied to process $TPID: none replaced"
expect_eq 509 "$(ask call 5)" "compute(5) with C alone (v3)"
expect_exit 0 "$NONSTOP" apply --replace --json "$TPID" E.nsp
expect_stdout_match '"replaced":\["C"\],"restored":1'
expect_eq 8 "$(ask call 5)" "compute(5) with E (v1's, restored)"
expect_exit 0 "$NONSTOP" revert "$TPID" E
expect_eq 8 "$(ask call 5)" "compute(5) after reverting E (v1)"
expect_eq 1010 "$(ask handle 5)" "handle(5) after reverting E (v1)"

# E replaces A and B, and compute() gets its own code back.
expect_exit 0 "$NONSTOP" apply "$TPID" A.nsp
expect_exit 0 "$NONSTOP" apply "$TPID" B.nsp
expect_exit 0 "$NONSTOP" apply --replace "$TPID" E.nsp
expect_stdout_match "^replaced patches 'A', 'B' \\(1 function back to the original code\\)"
expect_eq 8 "$(ask call 5)" "compute(5) with E (v1's, restored)"
expect_eq 1025 "$(ask handle 5)" "handle(5) with E"
expect_eq E "$(applied)" "patches listed by status"
expect_eq E "$(mappings)" "patch memory in the target"
expect_exit 0 "$NONSTOP" revert "$TPID"
expect_eq 8 "$(ask call 5)" "compute(5) after reverting E (v1)"
expect_eq 1010 "$(ask handle 5)" "handle(5) after reverting E (v1)"
expect_eq "" "$(mappings)" "patch memory in the target"
expect_alive
stop_target

# --- part 2 -------------------------------------------------------------------

mkdir kill && cd kill
build_case kill
build_version kill va va
build_version kill v3 v3
expect_exit 0 "$NONSTOP" build --name A -o A.nsp --binary v1/prog --new-binary va/prog v1 va
expect_exit 0 "$NONSTOP" build --name B -o B.nsp --binary va/prog --new-binary v2/prog va v2
expect_exit 0 "$NONSTOP" build --name C -o C.nsp --binary v1/prog v1 v3
start_target v1/prog

# version: checks the target (kill_healthy) and prints AB or C: what a()
# and b() return and what `status` lists agree on one of them.
version() {
	local v ap
	kill_healthy
	v=$(ask v)
	ap=$(kill_applied)
	case "$v/$ap" in
	"a=new b=new/A B") echo AB ;;
	"a=v3 b=old/C") echo C ;;
	*) fail "neither A+B nor C: the functions say '$v', status lists '$ap'" ;;
	esac
}
# back_to_ab: from C (or anything), A and B applied and nothing else left.
back_to_ab() {
	expect_exit 0 "$NONSTOP" revert --all "$TPID" >/dev/null
	kill_no_leftovers
	expect_eq "a=old b=old" "$(ask v)" "the functions after revert --all" >/dev/null
	expect_exit 0 "$NONSTOP" apply "$TPID" A.nsp >/dev/null
	expect_exit 0 "$NONSTOP" apply "$TPID" B.nsp >/dev/null
}

expect_exit 0 "$NONSTOP" apply "$TPID" A.nsp
expect_exit 0 "$NONSTOP" apply "$TPID" B.nsp
v=$(version) || exit 1
[ "$v" = AB ] || fail "A and B did not apply"
n=$(steps apply --replace "$TPID" C.nsp)
v=$(version) || exit 1
[ "$v" = C ] || fail "apply --replace without faults did not replace"
expect_eq C "$(mappings)" "patch memory after the replace"
note "apply --replace passes $n steps"
[ "$n" -gt 20 ] || fail "too few steps counted"
back_to_ab

# after_run MODE OP K RC: A+B or C, as status says; a failed run leaves
# no memory of C.
after_run() {
	local mode=$1 k=$3 rc=$4 v left
	v=$(version) || exit 1
	left=$(mappings)
	note "$mode apply --replace at step $k: exit $rc, $v, memory of: $left"
	if [ "$mode" = fail ]; then
		case $rc/$v in
		1/AB) [ "$left" = "A B" ] || fail "a failed --replace left '$left'" ;;
		0/C) # The switch stands; a release that failed says so.
			[ "$left" = C ] || grep -q 'warning: the memory of replaced patch' fault.err ||
				fail "memory of '$left' left without a warning: $(cat fault.err)" ;;
		*) fail "apply --replace with step $k failing exited $rc, running $v" ;;
		esac
	else
		kill_verdict "$@" "$v"
	fi
	# Leftovers of a killed run are removed by the next command; the
	# next run starts from A and B alone, so that step k is the same
	# step as counted.
	if [ "$v" = C ] || [ "$left" != "A B" ] ||
		ls -l "/proc/$TPID/fd" | grep -q 'memfd:nonstop'; then
		back_to_ab
	fi
}

# after_mode MODE
after_mode() {
	note "$1: every step of apply --replace ($n) survived"
}

kill_op apply "$n" apply --replace "$TPID" C.nsp
kill_matrix after_run "" after_mode
expect_exit 0 "$NONSTOP" revert --all "$TPID"
kill_no_leftovers
expect_eq "a=old b=old" "$(ask v)" "the functions at the end"
kill_healthy
note "$KILL_MATRIX_RUNS runs, the target intact after each"
