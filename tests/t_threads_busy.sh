# 8 threads call the patched function continuously, through one apply and
# 20 revert/apply cycles. Every result they see is the old or the new value
# (the program checks each one), and the process keeps running.
. "$TEST_LIB"
build_case threads
make_patch fix.nsp
start_target v1/prog
sleep 0.2
expect_exit 0 "$NONSTOP" apply --timeout 20 "$TPID" fix.nsp
n0=$(ask new)
sleep 0.2
n1=$(ask new)
[ "$n1" -gt "$n0" ] || fail "no thread reached the new code after apply ($n0 -> $n1)"
note "ok: new values seen after apply ($n0 -> $n1)"
for _ in $(seq 20); do
	expect_exit 0 "$NONSTOP" revert --timeout 20 "$TPID"
	expect_exit 0 "$NONSTOP" apply --timeout 20 "$TPID" fix.nsp
done
c0=$(ask calls)
sleep 0.2
c1=$(ask calls)
[ "$c1" -gt "$c0" ] || fail "the threads stopped calling ($c0 -> $c1)"
note "ok: threads still running ($c0 -> $c1 calls)"
note "$(ask stats)"
expect_eq 0 "$(ask errors)" "results that were neither old nor new"
expect_alive
