# timeout: 90
# Signals are neither lost nor invented by apply and revert:
#  1. signals blocked in every thread and pending (SIGUSR1 once and
#     SIGRTMIN+1 three times to the process, SIGRTMIN+2 twice to the leader,
#     the thread nonstop borrows for its system calls) are still pending
#     after an apply and a revert, and unblocking delivers each exactly as
#     many times as it was sent;
#  2. SIGRTMIN (a real-time signal: each one queues) queued as fast as
#     possible to the process, to the leader and to a worker during three
#     apply/revert cycles is handled exactly as many times as it was sent.
. "$TEST_LIB"
build_case hyg_signals
make_patch fix.nsp
start_target v1/prog

# --- 1. pending, blocked signals
expect_eq ok "$(ask pend)" "blocked signals queued"
expect_eq "usr1=1 rt1=1 rt2=1" "$(ask pending)" "pending before the update"
sleep 0.1
expect_exit 0 "$NONSTOP" apply --timeout 20 "$TPID" fix.nsp
expect_eq 7 "$(ask call 5)" "compute(5) after apply"
expect_exit 0 "$NONSTOP" revert --timeout 20 "$TPID"
expect_eq 6 "$(ask call 5)" "compute(5) after revert"
expect_eq "usr1=1 rt1=1 rt2=1" "$(ask pending)" "still pending after the updates"
expect_eq "usr1=1 rt1=3 rt2=2" "$(ask unblock)" "delivered when unblocked (sent: usr1=1 rt1=3 rt2=2)"

# --- 2. a storm of queued real-time signals
expect_eq ok "$(ask storm on)" "storm started"
sleep 0.2
for i in 1 2 3; do
	expect_exit 0 "$NONSTOP" apply --timeout 20 "$TPID" fix.nsp
	expect_eq 7 "$(ask call 5)" "compute(5) after apply $i"
	expect_exit 0 "$NONSTOP" revert --timeout 20 "$TPID"
	expect_eq 6 "$(ask call 5)" "compute(5) after revert $i"
done
expect_eq ok "$(ask storm off)" "storm stopped"
# Every signal sent is handled within moments; allow 5 s.
for _ in $(seq 50); do
	r=$(ask rt)
	s=${r%% *} s=${s#sent=}
	v=${r##*recv=}
	[ "$s" = "$v" ] && break
	sleep 0.1
done
note "SIGRTMIN to process,leader,worker: $r"
[ "${s//,/}" != 000 ] || fail "no signal was sent: $r"
expect_eq "$s" "$v" "SIGRTMIN handled (process,leader,worker), equal to those sent"
expect_eq 0 "$(ask errors)" "results that were neither old nor new"
expect_alive
