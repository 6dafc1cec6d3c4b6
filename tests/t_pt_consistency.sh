# The per-thread mode under load: a target linked with libnonstop, whose
# four workers call two patched functions between update points without
# pause, is patched and reverted ten times. apply and revert say they used
# the per-thread mode and stopped no thread but libnonstop's own; each
# leaves every thread on the new (then the old) code; no worker ever sees
# one function old and the other new between two of its update points
# (the program counts such pairs); its state (an iteration counter) goes
# on; after the last revert nothing of nonstop is left in the process.
# timeout: 300
. "$TEST_LIB"

build_case pt --libnonstop
make_patch fix.nsp
start_target v1/prog
maps_snapshot before.maps
expect_eq "workers=old loop=old" "$(ask v)" "versions before"

rt_tid=$(grep -l '^nonstop-rt$' /proc/"$TPID"/task/*/comm | head -n 1 | cut -d/ -f5)
[ -n "$rt_tid" ] || fail "no thread named nonstop-rt in the target"
iters=0
for ((i = 1; i <= 10; i++)); do
	expect_exit 0 "$NONSTOP" apply --json "$TPID" fix.nsp
	expect_stdout_match '"mode":"per-thread"'
	expect_stdout_match "\"stopped_threads\":\\[$rt_tid\\]"
	wait_answer "workers=new loop=new" v
	expect_eq 0 "$(ask mixed)" "mixed pairs after apply $i"
	expect_exit 0 "$NONSTOP" revert "$TPID"
	expect_stdout_match 'per-thread mode'
	wait_answer "workers=old loop=old" v
	expect_eq 0 "$(ask mixed)" "mixed pairs after revert $i"
	n=$(ask iters)
	[ "$n" -gt "$iters" ] || fail "the iteration counter went from $iters to $n"
	iters=$n
done
expect_exit 0 "$NONSTOP" status "$TPID"
expect_stdout_match 'no patches applied'
maps_snapshot after.maps
grep -q 'nonstop:' after.maps && fail "patch memory left: $(grep nonstop: after.maps)"
expect_alive
