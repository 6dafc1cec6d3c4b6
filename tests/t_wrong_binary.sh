# A patch built for another binary (same function names, different program)
# is refused before anything is written: exit 1, the target behaves as before
# and its memory map is unchanged.
. "$TEST_LIB"
build_case global_func
make_patch fix.nsp
OUT=other build_case other
start_target other/v1/prog
expect_eq 8 "$(ask call 5)" "the other program: compute(5) = 5 + 3"
maps_snapshot maps.before
expect_exit 1 "$NONSTOP" apply "$TPID" fix.nsp
expect_one_error_line
maps_snapshot maps.after
diff maps.before maps.after || fail "/proc/$TPID/maps changed after a refused apply"
expect_eq 8 "$(ask call 5)" "compute(5) after refused apply"
expect_alive
