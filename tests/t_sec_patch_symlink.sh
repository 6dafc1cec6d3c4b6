# A symlink at the patch path is refused, never followed (whoever planted
# it would choose what root reads as a patch): show and apply exit 1 with
# one line saying so, and the target is untouched. The file it points to
# still applies when named itself.
. "$TEST_LIB"
build_case global_func
make_patch fix.nsp
start_target v1/prog
maps_snapshot maps.before
ln -s fix.nsp link.nsp
expect_exit 1 "$NONSTOP" show link.nsp
expect_one_error_line
expect_stderr_match 'patch file link\.nsp: is a symbolic link'
expect_exit 1 "$NONSTOP" apply "$TPID" link.nsp
expect_one_error_line
expect_stderr_match 'patch file link\.nsp: is a symbolic link'
maps_snapshot maps.after
diff maps.before maps.after || fail "/proc/$TPID/maps changed"
expect_eq 6 "$(ask call 5)" "compute(5) after the refusal"
expect_alive
expect_exit 0 "$NONSTOP" apply "$TPID" fix.nsp
expect_eq 500 "$(ask call 5)" "compute(5) with the patch named itself"
