# A later patch after a signature change. Fix A gives the static twice() a
# new signature: the patch brings a new twice() beside the old one and
# replaces calc() to call it. Fix B changes calc() again; its code calls
# twice() by name, which in the process is the old one (the new one lives
# in A's memory, which nothing but A's code knows): it would pass the new
# arguments to the old function. B is refused before anything is written,
# naming the call and A (whose record lists twice among the functions it
# brings without redirecting the program's), whether built against the
# running binary (v1) or on A's result (--new-binary chain); A stays
# applied, then reverts. A cumulative patch (A's fix and B's) applies with
# --replace.
. "$TEST_LIB"

build_case stack_sigchange
build_version stack_sigchange v3 v2 v3
expect_exit 0 "$NONSTOP" build --name A -o A.nsp --binary v1/prog --new-binary v2/prog v1 v2
expect_exit 0 "$NONSTOP" show A.nsp
expect_stdout_match 'new function +twice .*signature changed: the old one stays'
expect_exit 0 "$NONSTOP" build --name B -o B.nsp --binary v1/prog v2 v3
expect_exit 0 "$NONSTOP" build --name Bc -o Bc.nsp --binary v2/prog v2 v3

start_target v1/prog
expect_eq 11 "$(ask calc 5)" "v1 calc(5)"
expect_exit 0 "$NONSTOP" apply "$TPID" A.nsp
expect_eq 16 "$(ask calc 5)" "calc(5) with A"
maps_snapshot maps.before
for p in B Bc; do
	expect_exit 1 "$NONSTOP" apply "$TPID" $p.nsp
	expect_one_error_line
	expect_stderr_match "patch '$p' calls 'twice', of which patch 'A' brought a new version \(its signature changed\): it would call the old one; build it with that fix and apply it with --replace"
done
maps_snapshot maps.after
diff maps.before maps.after || fail "/proc/$TPID/maps changed after a refused apply"
expect_eq 16 "$(ask calc 5)" "calc(5) with A, after the refusals"
expect_exit 0 "$NONSTOP" build --name C -o C.nsp --binary v1/prog v1 v3
expect_exit 0 "$NONSTOP" apply --replace "$TPID" C.nsp
expect_eq 17 "$(ask calc 5)" "calc(5) with C, in A's place"
expect_exit 0 "$NONSTOP" revert "$TPID"
expect_eq 11 "$(ask calc 5)" "calc(5) after reverting A"
expect_alive
