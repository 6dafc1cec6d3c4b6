# Patches applied in sequence, each built against the previous version:
# patch A from v1 to v2 (against v1's binary, recording v2's build-id with
# --new-binary), patch B from v2 to v3 (against v2's objects and binary).
# B changes compute(), which A already replaced (its live code is A's copy),
# and the static scale(), which A left alone (its live code is v1's, at
# another address than in v2's binary, with other relocated values). A
# process running v1 takes A then B and answers like v3; B alone is refused
# and leaves the process untouched; A cannot be reverted before B; reverting
# B then A brings back v2 then v1, keeping the program's state throughout.
. "$TEST_LIB"

build_case stack_chain
build_version stack_chain v3 v2 v3
v1id=$(build_id v1/prog) v2id=$(build_id v2/prog) v3id=$(build_id v3/prog)
note "build-ids: v1 $v1id, v2 $v2id, v3 $v3id"
# The case is meant to move scale(): make sure it does.
expect_ne "$(nm v1/prog | awk '$3 == "scale" {print $1}')" \
	"$(nm v2/prog | awk '$3 == "scale" {print $1}')" "address of scale() in v2/prog vs v1/prog"

expect_exit 0 "$NONSTOP" build --name A -o A.nsp --binary v1/prog --new-binary v2/prog v1 v2
expect_exit 0 "$NONSTOP" build --name B -o B.nsp --binary v2/prog --new-binary v3/prog v2 v3
expect_exit 0 "$NONSTOP" show A.nsp
expect_stdout_match "^build-id: $v1id\$"
expect_stdout_match "^result: +$v2id\$"
expect_stdout_match 'replace +compute\>'
expect_stdout_no_match 'scale'
expect_exit 0 "$NONSTOP" show B.nsp
expect_stdout_match "^build-id: $v2id\$"
expect_stdout_match "^result: +$v3id\$"
expect_stdout_match 'replace +compute\>'
expect_stdout_match 'replace +scale\>'
expect_exit 0 "$NONSTOP" show --json B.nsp
expect_stdout_match "\"result_build_id\":\"$v3id\""

start_target v1/prog
expect_eq 'bias 0' "$(ask bias 0)"
expect_eq 6 "$(ask call 5)" "v1 compute(5)"
expect_eq 1010 "$(ask handle 5)" "v1 handle(5)"

# B needs v2: refused on v1, before anything is written.
maps_snapshot maps.before
expect_exit 1 "$NONSTOP" apply "$TPID" B.nsp
expect_one_error_line
expect_stderr_match "patch 'B' was built for prog at build-id $v2id"
expect_stderr_match "runs .*/v1/prog at build-id $v1id \\(no patch applied to it\\)"
maps_snapshot maps.after
diff maps.before maps.after || fail "/proc/$TPID/maps changed after a refused apply"
expect_eq 6 "$(ask call 5)" "compute(5) after the refused apply"

expect_exit 0 "$NONSTOP" apply "$TPID" A.nsp
expect_eq 500 "$(ask call 5)" "compute(5) with A (v2)"
expect_eq 1010 "$(ask handle 5)" "handle(5) with A (v2)"
expect_eq 'bias 2' "$(ask bias 2)"
expect_exit 0 "$NONSTOP" apply "$TPID" B.nsp
expect_eq 509 "$(ask call 5)" "compute(5) with A and B (v3: 5*100 + 7 + bias 2)"
expect_eq 1015 "$(ask handle 5)" "handle(5) with A and B (v3)"
expect_eq 3 "$(ask calls)" "scale() calls counted across versions"

# B again: already applied.
expect_exit 1 "$NONSTOP" apply "$TPID" B.nsp
expect_one_error_line
expect_stderr_match "already applied"

# A under B: B replaces compute() too.
expect_exit 1 "$NONSTOP" revert "$TPID" A
expect_one_error_line
expect_stderr_match "patch 'A' cannot be reverted before patch 'B', which also replaces compute"
expect_eq 509 "$(ask call 5)" "compute(5) after the refused revert"

expect_exit 0 "$NONSTOP" revert "$TPID" B
expect_eq 502 "$(ask call 5)" "compute(5) after reverting B (v2)"
expect_eq 1010 "$(ask handle 5)" "handle(5) after reverting B (v2)"
# And B again, now that the process is at v2 once more.
expect_exit 0 "$NONSTOP" apply "$TPID" B.nsp
expect_eq 509 "$(ask call 5)" "compute(5) with B applied again"
expect_exit 0 "$NONSTOP" revert "$TPID"
expect_exit 0 "$NONSTOP" revert "$TPID" A
expect_eq 8 "$(ask call 5)" "compute(5) after reverting A (v1: 5 + 1 + bias 2)"
expect_eq 1010 "$(ask handle 5)" "handle(5) after reverting A (v1)"
expect_eq 5 "$(ask calls)" "scale() calls"
expect_exit 0 "$NONSTOP" status "$TPID"
expect_stdout_match 'no patches applied'
expect_alive
