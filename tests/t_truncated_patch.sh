# A truncated patch file is an error, never a crash: show and apply exit 1
# with one line, and the target is untouched.
. "$TEST_LIB"
build_case global_func
make_patch fix.nsp
size=$(stat -c %s fix.nsp)
start_target v1/prog
maps_snapshot maps.before
for keep in $((size / 2)) $((size - 1)) 100 16 0; do
	[ "$keep" -lt "$size" ] || continue
	head -c "$keep" fix.nsp >cut.nsp
	note "patch cut to $keep of $size bytes"
	expect_exit 1 "$NONSTOP" show cut.nsp
	expect_one_error_line
	expect_exit 1 "$NONSTOP" apply "$TPID" cut.nsp
	expect_one_error_line
done
maps_snapshot maps.after
diff maps.before maps.after || fail "/proc/$TPID/maps changed"
expect_eq 6 "$(ask call 5)"
expect_alive
