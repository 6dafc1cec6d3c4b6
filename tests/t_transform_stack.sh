# A patch that transformed data holds the live variable in its own memory:
# a later patch that refers to that variable (built on top, --binary of the
# version the first produces) is refused, and so is --replace of the first.
# Both refusals leave the process as it was.
. "$TEST_LIB"

LDEXTRA=()
build_case xform_table
make_v3 .
expect_exit 0 "$NONSTOP" build -o fix.nsp --binary v1/prog --new-binary v3/prog v1 v3
# v4: on top of v3, show() prints differently; it refers to table.
rm -rf src-v4
cp -r src-v3 src-v4
sed -i 's/snprintf(buf, len, "%d %s hits/snprintf(buf, len, "v4 %d %s hits/' src-v4/table.c
grep -q '"v4 %d' src-v4/table.c || fail "v4 was not made"
# Without the records: v4 does not transform table again.
sed -i '/NONSTOP_TRANSFORM\|NONSTOP_UNTRANSFORM/d' src-v4/table.c
compile_dir src-v4 v4 -I"$ROOT/include"
link_dir v4 v4/prog
expect_exit 0 "$NONSTOP" build --name later -o later.nsp --binary v3/prog v3 v4

start_target v1/prog
expect_eq 0 "$(ask add alpha)"
expect_exit 0 "$NONSTOP" apply "$TPID" fix.nsp
expect_eq "100 alpha hits=0 level=1 prio=7 hot=0 seen=0" "$(ask show 0)"
maps_snapshot before.maps

expect_exit 1 "$NONSTOP" apply "$TPID" later.nsp
expect_one_error_line
expect_stderr_match "variable 'table' was transformed by patch 'fix': .*a later patch cannot refer to"
expect_exit 1 "$NONSTOP" apply --replace "$TPID" fix.nsp
expect_one_error_line
expect_stderr_match "patch 'fix' transformed data; --replace cannot take it out"

maps_snapshot after.maps
diff before.maps after.maps >/dev/null || fail "the refusals changed the process's mappings"
expect_eq "100 alpha hits=0 level=1 prio=7 hot=0 seen=0" "$(ask show 0)" "still the first patch"
expect_exit 0 "$NONSTOP" revert "$TPID"
expect_eq "100 alpha hits=0 level=1" "$(ask show 0)"
expect_alive
