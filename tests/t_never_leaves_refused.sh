# A thread that never leaves a function the patch replaces: apply --timeout 1
# gives up, exits 1 naming the thread and the function, and leaves the
# process exactly as it was (old behaviour, spinner still running).
. "$TEST_LIB"
build_case spin
make_patch fix.nsp
start_target v1/prog
tid=$(ask tid)
expect_eq old "$(ask answer)"
maps_snapshot maps.before
expect_exit 1 "$NONSTOP" apply --timeout 1 "$TPID" fix.nsp
expect_one_error_line
expect_stderr_match "\\<$tid\\>"
expect_stderr_match '\<spin\>'
maps_snapshot maps.after
diff maps.before maps.after || fail "/proc/$TPID/maps changed after a refused apply"
expect_eq old "$(ask answer)" "answer after refused apply"
s0=$(ask spins)
sleep 0.1
s1=$(ask spins)
[ "$s1" -gt "$s0" ] || fail "the spinning thread no longer runs ($s0 -> $s1)"
expect_alive
