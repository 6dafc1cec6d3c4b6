# timeout: 120
# A signal handler calls the function the patch replaces: SIGALRM every
# 200 us (setitimer) interrupts two threads that themselves call it without
# pause, and a timer sends the same handler to the leader thread every 1 ms.
# Through six apply/revert cycles every result, in the handlers and in the
# threads, is the old or the new one, the process never crashes, handlers
# see the new answer after each apply and the old after each revert.
. "$TEST_LIB"
build_case hyg_sigalrm
make_patch fix.nsp
start_target v1/prog
expect_eq old "$(ask hsee)" "what handlers see before the update"
for i in $(seq 6); do
	expect_exit 0 "$NONSTOP" apply --timeout 20 "$TPID" fix.nsp
	expect_eq new "$(ask hsee)" "what handlers see after apply $i"
	expect_eq 7 "$(ask call 5)" "compute(5) after apply $i"
	expect_exit 0 "$NONSTOP" revert --timeout 20 "$TPID"
	expect_eq old "$(ask hsee)" "what handlers see after revert $i"
	expect_eq 6 "$(ask call 5)" "compute(5) after revert $i"
done
st=$(ask stats)
note "$st"
h=$(sed 's/.*handled=\([0-9]*\).*/\1/' <<<"$st")
l=$(sed 's/.*leader=\([0-9]*\).*/\1/' <<<"$st")
[ "$h" -gt 1000 ] || fail "too few handler calls to mean anything: $st"
[ "$l" -gt 100 ] || fail "too few handler calls on the leader: $st"
expect_eq 0 "$(ask bad)" "results neither old nor new (handlers + threads)"
expect_alive
