# Stacking refusals. A patch built on top of another applies only where that
# patch, recording the version it produces, is the last one applied; a
# --new-binary that is not the new build is refused when the patch is built;
# and a chain whose claim is false (A says it produces v2x, a build with
# another scale()) is caught when the code is checked: the patch built on
# v2x is refused before anything is written, naming the function.
. "$TEST_LIB"

build_case stack_chain
build_version stack_chain v3 v2 v3
build_version stack_chain v2x v2 v2x

# --new-binary must be the program linked from NEW_DIR.
expect_exit 1 "$NONSTOP" build --name A -o bad.nsp --binary v1/prog --new-binary v3/prog v1 v2
expect_one_error_line
expect_stderr_match "v3/prog was not linked from v2: the code of function compute differs"
expect_exit 1 "$NONSTOP" build --name A -o bad.nsp --binary v1/prog --new-binary v1/prog v1 v2
expect_one_error_line
expect_stderr_match "has the build-id of --binary"
[ ! -e bad.nsp ] || fail "a refused build left bad.nsp"

expect_exit 0 "$NONSTOP" build --name A0 -o A0.nsp --binary v1/prog v1 v2
expect_exit 0 "$NONSTOP" build --name B -o B.nsp --binary v2/prog --new-binary v3/prog v2 v3
# A's build checks compute() only: v2x has v2's, so it is accepted.
expect_exit 0 "$NONSTOP" build --name Ax -o Ax.nsp --binary v1/prog --new-binary v2x/prog v1 v2
expect_exit 0 "$NONSTOP" build --name Bx -o Bx.nsp --binary v2x/prog v2x v3

start_target v1/prog
expect_eq 6 "$(ask call 5)" "v1 compute(5)"

# A0 does not say what it produces: B cannot go on top of it.
expect_exit 0 "$NONSTOP" apply "$TPID" A0.nsp
expect_eq 500 "$(ask call 5)" "compute(5) with A0"
maps_snapshot maps.before
expect_exit 1 "$NONSTOP" apply "$TPID" B.nsp
expect_one_error_line
expect_stderr_match "with patch 'A0' on top, which does not record the build-id it produces"
maps_snapshot maps.after
diff maps.before maps.after || fail "/proc/$TPID/maps changed after a refused apply"
expect_exit 0 "$NONSTOP" revert "$TPID" A0

# Ax claims v2x: Bx (built on v2x) finds compute() as Ax left it, but
# scale() is v1's, not v2x's.
expect_exit 0 "$NONSTOP" apply "$TPID" Ax.nsp
expect_eq 500 "$(ask call 5)" "compute(5) with Ax"
maps_snapshot maps.before
expect_exit 1 "$NONSTOP" apply "$TPID" Bx.nsp
expect_one_error_line
expect_stderr_match "function scale in process $TPID differs from the code the patch was built against"
maps_snapshot maps.after
diff maps.before maps.after || fail "/proc/$TPID/maps changed after a refused apply"
expect_eq 500 "$(ask call 5)" "compute(5) after the refused apply"
expect_eq 1010 "$(ask handle 5)" "handle(5) after the refused apply"
# B is for v2, the process is at v2x (as far as Ax says).
expect_exit 1 "$NONSTOP" apply "$TPID" B.nsp
expect_one_error_line
expect_stderr_match "which its last patch 'Ax' turned into build-id"
expect_exit 0 "$NONSTOP" revert "$TPID"
expect_eq 6 "$(ask call 5)" "compute(5) after reverting Ax"
expect_alive
