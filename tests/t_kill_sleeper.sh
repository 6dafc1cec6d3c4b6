# nonstop killed at every step of apply and of revert, against a target
# whose main thread sleeps in nanosleep(2 s), that sleep already restarted
# once by the kernel (the target gets SIGSTOP and SIGCONT before each run,
# as a job-control stop or an earlier nonstop command would do): no sleep
# ends early (each is measured with CLOCK_MONOTONIC), no read() of the other
# thread fails, and the code is old or new. Such a sleep can be continued
# only through the kernel's restart block, which rt_sigreturn forgets; the
# threads nonstop moves or borrows must come back without losing it.
# timeout: 600
. "$TEST_LIB"

build_case blocking
make_patch fix.nsp
start_target v1/prog

# restarted: SIGSTOP then SIGCONT: the sleep goes on in restart_syscall.
# (Again if the sleep had just ended: a sleep cut short is counted.)
restarted() {
	for _ in 1 2 3 4 5; do
		kill -STOP "$TPID"
		for _ in $(seq 100); do
			grep -q '^State:.*T (stopped)' "/proc/$TPID/status" && break
			sleep 0.01
		done
		kill -CONT "$TPID"
		sleep 0.02
		grep -q '^219 ' "/proc/$TPID/syscall" && return 0
	done
	fail "the sleeper is not in restart_syscall: $(cat "/proc/$TPID/syscall")"
}

napply=$(steps apply "$TPID" fix.nsp)
expect_eq new "$(ask answer)" "answer after a whole apply"
nrevert=$(steps revert "$TPID" fix)
expect_eq old "$(ask answer)" "answer after a whole revert"
note "apply passes $napply steps, revert $nrevert"

# before_run MODE OP K: from the version OP starts from, the sleep
# restarted.
before_run() {
	local op=$2 v
	v=$(ask answer)
	if [ "$op" = apply ] && [ "$v" = new ]; then
		expect_exit 0 "$NONSTOP" revert "$TPID" fix >/dev/null
	elif [ "$op" = revert ] && [ "$v" = old ]; then
		expect_exit 0 "$NONSTOP" apply "$TPID" fix.nsp >/dev/null
	fi
	restarted
}

# after_run MODE OP K RC: one version, the target alive, no sleep cut short.
after_run() {
	local op=$2 k=$3 v
	kill_verdict "$@" ""
	v=$(ask answer)
	case $v in old | new) ;; *) fail "$op killed at step $k: answer '$v'" ;; esac
	expect_alive >/dev/null
	[ "$(ask early)" = 0 ] || fail "$op killed at step $k: a sleep ended early"
}

kill_op apply "$napply" apply "$TPID" fix.nsp
kill_op revert "$nrevert" revert "$TPID" fix
KILL_MODES=kill kill_matrix after_run before_run
# The last sleeps that spanned a run end (at most 2 s later) before the count.
sleep 2.2
expect_eq 0 "$(ask early)" "sleeps that ended early or failed"
expect_eq 0 "$(ask eintr)" "failed read() calls"
note "$KILL_MATRIX_RUNS runs, no sleep cut short"
