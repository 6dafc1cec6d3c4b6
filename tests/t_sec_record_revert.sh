# A process of a less trusted user forges records of nonstop's with values
# out of range: a function "restored" over a variable, a commit journal in
# the program's data, a size covering every mapping above it (applied, or
# reverting: which any revert sweeps away), more functions than its
# mapping holds. None is acted on: revert exits 1 with one line, and the
# target's memory map and data are as they were, the target alive. A
# valid forged record is reverted, its name printed escaped.
. "$TEST_LIB"
build_sec_records
open_dir_to_others
as_user ns-attacker
start_target "${AS_USER[@]}" v1/prog

for kind in canary journal huge sweep counts; do
	note "--- a forged record: $kind"
	ask forge "$kind" | grep -q '^ok ' || fail "the target could not forge $kind"
	maps_snapshot maps.before
	canary=$(ask canary)
	scratch=$(ask scratch)
	if [ "$kind" = sweep ]; then
		expect_exit 1 "$NONSTOP" revert "$TPID"
	else
		expect_exit 1 "$NONSTOP" revert "$TPID" evil
	fi
	expect_one_error_line
	expect_stderr_match "process $TPID"
	maps_snapshot maps.after
	expect_eq "$(cat maps.before)" "$(cat maps.after)" "the memory map ($kind)"
	expect_eq "$canary" "$(ask canary)" "the canary ($kind)"
	expect_eq "$scratch" "$(ask scratch)" "the scratch array ($kind)"
	expect_alive
	expect_eq "ok 1" "$(ask drop)" "the forged mapping dropped"
done

note "--- a valid forged record, reverted"
ask forge plain | grep -q '^ok ' || fail "the target could not forge a record"
expect_exit 0 "$NONSTOP" revert "$TPID"
expect_no_raw_controls last.out last.err
grep -qF "reverted patch 'evil\\e]0;owned\\x07\\r\\nFAKE\\xc2\\x9b'" last.out ||
	fail "revert does not name the patch escaped: $(cat last.out)"
grep -q 'nonstop:evil' "/proc/$TPID/maps" && fail "the record's mapping is still there"
expect_eq 6 "$(ask call 5)" "compute(5)"
expect_alive
