# timeout: 60
# The target's parent (a supervisor forking it and calling
# waitpid(child, WUNTRACED | WCONTINUED) in a loop, logging every status and
# every SIGCHLD) sees nothing of three apply/revert cycles: nonstop seizes
# the threads, it never stops the process in a way its parent could see.
# A SIGSTOP/SIGCONT at the end proves the parent would have logged a stop.
. "$TEST_LIB"
build_case hyg_waitpid
make_patch fix.nsp
gcc -O2 -Wall -o parent "$CASES/hyg_waitpid/parent.c" || fail "cannot build parent"
start_target ./parent "$PWD/wait.log" v1/prog
PARENT=$TPID
child=$(sed -n 's/^child \([0-9][0-9]*\)$/\1/p' wait.log)
[ -n "$child" ] || fail "the parent logged no child pid: $(cat wait.log)"
TPID=$child
_TARGET_PIDS+=("$child")
note "parent $PARENT, target (its child) $TPID"

# wait_log ERE: waits up to 5 s for a line of wait.log matching ERE.
wait_log() {
	for _ in $(seq 500); do
		grep -Eq -- "$1" wait.log && return 0
		sleep 0.01
	done
	fail "the parent did not log /$1/: $(cat wait.log)"
}

expect_eq 6 "$(ask call 5)" "compute(5) before"
sleep 0.2
for i in 1 2 3; do
	expect_exit 0 "$NONSTOP" apply --timeout 20 "$TPID" fix.nsp
	expect_eq 7 "$(ask call 5)" "compute(5) after apply $i"
	expect_exit 0 "$NONSTOP" revert --timeout 20 "$TPID"
	expect_eq 6 "$(ask call 5)" "compute(5) after revert $i"
done
sleep 0.5	# a late report would reach the parent by now
expect_eq "child $TPID" "$(cat wait.log)" "what the parent's waitpid and SIGCHLD handler saw"
kill -0 "$PARENT" 2>/dev/null || fail "the parent exited"
expect_eq 0 "$(ask errors)" "results that were neither old nor new"
expect_alive

# Control: a real stop is seen by this parent.
kill -STOP "$TPID"
wait_log '^stopped 19$'
kill -CONT "$TPID"
wait_log '^continued$'
note "ok: the parent does log a real SIGSTOP/SIGCONT"
stop_target
wait_log '^exited 0$'
wait "$PARENT" 2>/dev/null || true
note "parent's log: $(tr '\n' ' ' <wait.log)"
