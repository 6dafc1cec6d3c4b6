# A function with two names at one address (an alias, as libxml2 has for
# most of its functions), replaced by a patch and again by a cumulative one
# with --replace. Under valgrind, apply --replace must not write past its
# table of the code no thread may be in (each name of the function matched
# each of the earlier patch's entries for it: a heap overflow, "malloc():
# corrupted top size", on libxml2 in make realworld).
. "$TEST_LIB"
command -v valgrind >/dev/null || fail "valgrind is needed (scripts/deps.sh installs it)"

build_case alias_replace
build_version alias_replace v3 v2 v3
expect_exit 0 "$NONSTOP" build --name A -o A.nsp --binary v1/prog --new-binary v2/prog v1 v2
expect_exit 0 "$NONSTOP" show A.nsp
expect_stdout_match 'replace +calc\>'
expect_stdout_match 'replace +calc_alias\>'
expect_exit 0 "$NONSTOP" build --name C -o C.nsp --binary v1/prog v1 v3

start_target v1/prog
expect_eq 10 "$(ask calc 5)" "v1 calc(5)"
expect_exit 0 "$NONSTOP" apply "$TPID" A.nsp
expect_eq 15 "$(ask calc 5)" "calc(5) with A"
expect_exit 0 valgrind -q --error-exitcode=99 "$NONSTOP" apply --replace "$TPID" C.nsp
expect_eq 20 "$(ask calc 5)" "calc(5) with C in A's place"
expect_exit 0 "$NONSTOP" revert "$TPID"
expect_eq 10 "$(ask calc 5)" "calc(5) after reverting C"
expect_alive
