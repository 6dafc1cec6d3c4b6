# timeout: 180
# A user without privileges patches their own process: nonstop, run as
# that user (ns-attacker here), cannot open /proc/PID/map_files, and reaches
# the modules through /proc/PID/exe and the paths maps shows, resolved
# inside the process's root and taken only if they are the mapped files;
# its lock lives in a directory of that user's. The patch applies and
# reverts, also once the program was replaced on disk since it started
# (/proc/PID/exe is the kernel's reference to what it runs). A thread id
# given as the process is refused (it would name another lock).
. "$TEST_LIB"
[ "$(id -u)" = 0 ] || { note "needs root (it plays another user): skipped"; exit 0; }
build_case global_func
make_patch fix.nsp
open_dir_to_others
chmod 644 fix.nsp
as_user ns-attacker
# The user's own nonstop: no HOME, no XDG_RUNTIME_DIR (its lock goes to
# /tmp/nonstop-UID).
user_nonstop=(env -u XDG_RUNTIME_DIR "${AS_USER[@]}" "$NONSTOP")
mkdir run
cp v1/prog run/prog
chmod 755 run run/prog
start_target "${AS_USER[@]}" run/prog
expect_eq 6 "$(ask call 5)" "compute(5) before"
expect_exit 0 "${user_nonstop[@]}" apply "$TPID" fix.nsp
expect_eq 500 "$(ask call 5)" "compute(5) after the user's apply"
expect_exit 0 "${user_nonstop[@]}" status "$TPID"
expect_stdout_match "fix"
expect_exit 0 "${user_nonstop[@]}" revert "$TPID"
expect_eq 6 "$(ask call 5)" "compute(5) after the user's revert"
expect_alive

note "--- the program replaced on disk: /proc/PID/exe is still the one it runs"
cp v2/prog run/prog.new
mv run/prog.new run/prog
expect_exit 0 "${user_nonstop[@]}" apply "$TPID" fix.nsp
expect_eq 500 "$(ask call 5)" "compute(5) after the user's apply"
expect_exit 0 "${user_nonstop[@]}" revert "$TPID"
expect_eq 6 "$(ask call 5)" "compute(5) after the user's revert"
expect_alive

note "--- a thread id given as the process"
stop_target
build_case threads
make_patch fix2.nsp
start_target v1/prog
tid=$(ls "/proc/$TPID/task" | grep -vx "$TPID" | head -n 1)
[ -n "$tid" ] || fail "no second thread in the threads case"
expect_exit 1 "$NONSTOP" apply "$tid" fix2.nsp
expect_one_error_line
expect_stderr_match "$tid is a thread of process $TPID"
expect_exit 1 "$NONSTOP" revert "$tid"
expect_stderr_match "$tid is a thread of process $TPID"
expect_alive
