# The single-threaded poll() loop of t_poll_hook, starved of CPU during
# each apply and revert (nice 19, on the one CPU that a busy loop holds):
# between two of nonstop's calls into it (mapping the patch, a hook) the
# thread is stopped again before it has run. It then sits, not in poll,
# but on its `syscall` with restart_syscall in rax — and must still be
# brought back by hand: a return through rt_sigreturn makes the kernel
# forget the poll's restart block, and restart_syscall fail with EINTR.
# Under load this happened to t_poll_hook about once in 25 runs.
# timeout: 300
. "$TEST_LIB"

build_case poll_hook
make_patch fix.nsp
start_target nice -n 19 taskset -c 0 v1/prog
HOG=
# The busy loop is killed with the targets if the test ends early.
hog() { taskset -c 0 sh -c 'while :; do :; done' & HOG=$!; _TARGET_PIDS+=("$HOG"); }
unhog() { kill "$HOG" 2>/dev/null; wait "$HOG" 2>/dev/null || true; }
for i in 1 2 3 4; do
	hog
	expect_exit 0 "$NONSTOP" apply "$TPID" fix.nsp
	expect_exit 0 "$NONSTOP" revert "$TPID"
	unhog
	expect_eq old "$(ask answer)" "answer after apply and revert $i"
done
expect_eq 0 "$(ask eintr)" "poll() calls that failed"
expect_eq 0 "$(ask early)" "polls that timed out early"
expect_alive
