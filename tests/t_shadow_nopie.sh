# Shadow variables in a non-PIE program: the program's code sits below
# 2 GiB and the patch with it, while the root nonstop creates lands where
# the kernel puts it (far above): the patch's code reaches the root
# through a GOT slot of its own, as it does everywhere.
. "$TEST_LIB"

build_case shadow --no-pie
readelf -h v1/prog | grep -q 'EXEC (Executable file)' || fail "v1/prog is not a non-PIE executable"
expect_exit 0 "$NONSTOP" build --name A -o A.nsp --binary v1/prog v1 v2
start_target v1/prog
expect_eq 0 "$(ask hit 0)" "v1 visit(item 0)"
expect_exit 0 "$NONSTOP" apply "$TPID" A.nsp
root=$(grep 'nonstop:shadow' "/proc/$TPID/maps" | cut -d- -f1)
[ -n "$root" ] || fail "no nonstop:shadow mapping"
note "root page at 0x$root"
[ $((0x$root)) -gt $((1 << 32)) ] || fail "the root landed below 4 GiB: the test proves nothing"
expect_eq 1 "$(ask hit 0)" "item 0, first call"
expect_eq 2 "$(ask hit 0)" "item 0, second call"
expect_eq 1 "$(ask hit 5)" "item 5"
expect_eq 0 "$(ask check)" "check()"
expect_exit 0 "$NONSTOP" revert "$TPID"
expect_exit 0 "$NONSTOP" apply "$TPID" A.nsp
expect_eq 3 "$(ask hit 0)" "item 0 after revert and apply"
expect_exit 0 "$NONSTOP" revert "$TPID"
expect_alive
