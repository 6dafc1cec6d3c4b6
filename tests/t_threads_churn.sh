# Threads created and exiting all the time (two spawners, each running one
# short-lived thread after another) through 20 apply/revert cycles: every
# cycle succeeds, every result is old or new, and the process runs on.
. "$TEST_LIB"
build_case churn
make_patch fix.nsp
start_target v1/prog
sleep 0.2
for _ in $(seq 20); do
	expect_exit 0 "$NONSTOP" apply --timeout 20 "$TPID" fix.nsp
	expect_exit 0 "$NONSTOP" revert --timeout 20 "$TPID"
done
s0=$(ask spawned)
sleep 0.3
s1=$(ask spawned)
[ "$s1" -gt "$s0" ] || fail "threads are no longer created ($s0 -> $s1)"
note "ok: threads still come and go ($s0 -> $s1 spawned)"
note "$(ask stats)"
expect_eq 0 "$(ask errors)" "results that were neither old nor new"
expect_alive
