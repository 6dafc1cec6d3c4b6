# A user the kernel would not let ptrace the target gets a clear refusal
# from apply, revert and status, and the target is untouched: nonstop never
# gives more power over a process than ptrace would.
. "$TEST_LIB"
command -v setpriv >/dev/null || { note "setpriv missing: skipped"; exit 0; }
[ "$(id -u)" = 0 ] || { note "needs root to switch user: skipped"; exit 0; }
build_case global_func
make_patch fix.nsp
chmod 755 . && chmod 644 fix.nsp
start_target v1/prog
maps_before=$(cat "/proc/$TPID/maps")
nobody=(setpriv --reuid=65534 --regid=65534 --clear-groups)
expect_exit 1 "${nobody[@]}" "$NONSTOP" apply "$TPID" fix.nsp
expect_stderr_match "process $TPID|thread $TPID"
expect_stderr_match "ptrace|Permission|permitted"
expect_exit 1 "${nobody[@]}" "$NONSTOP" status "$TPID"
expect_stderr_match "cannot read process $TPID"
expect_exit 1 "${nobody[@]}" "$NONSTOP" revert "$TPID"
expect_eq "$maps_before" "$(cat "/proc/$TPID/maps")" "maps unchanged"
expect_eq 6 "$(ask call 5)" "compute(5) still the old one"
expect_alive
