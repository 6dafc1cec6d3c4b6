# timeout: 120
# A target that forks all the time — from the leader thread (the one
# nonstop borrows for its system calls) and from another thread; half the
# children exit at once, half call the patched function 2000 times and
# check every result — through six apply/revert cycles: the parent
# answers new after each apply and old after each revert, every child
# exits 0 (none crashed, none saw a wrong result), forking goes on, and no
# child is left behind, zombie or stopped.
. "$TEST_LIB"
build_case hyg_fork
make_patch fix.nsp
start_target v1/prog
expect_eq ok "$(ask fork on)" "forking started"
sleep 0.3
for i in $(seq 6); do
	expect_exit 0 "$NONSTOP" apply --timeout 20 "$TPID" fix.nsp
	expect_eq 7 "$(ask call 5)" "compute(5) after apply $i"
	expect_exit 0 "$NONSTOP" revert --timeout 20 "$TPID"
	expect_eq 6 "$(ask call 5)" "compute(5) after revert $i"
done
f0=$(ask stats | sed 's/^forks=\([0-9]*\).*/\1/')
sleep 0.3
f1=$(ask stats | sed 's/^forks=\([0-9]*\).*/\1/')
[ "$f1" -gt "$f0" ] || fail "the target no longer forks ($f0 -> $f1): $(ask stats)"
note "ok: still forking ($f0 -> $f1 children)"
r=$(ask fork off)
kids=$(ps -o pid=,stat=,args= --ppid "$TPID" || true)
[ "$r" = ok ] || fail "a forker is stuck waiting for a child; children: ${kids:-none}"
st=$(ask stats)
note "$st"
forks=$(sed 's/^forks=\([0-9]*\).*/\1/' <<<"$st")
[ "$forks" -ge 200 ] || fail "too few forks to mean anything: $st"
expect_eq "badexit=0 crashed=0 lastsig=0 forkerr=0 errors=0" \
	"$(sed 's/.* \(badexit=\)/\1/' <<<"$st")" "children that failed or crashed, failed forks, bad results"
sleep 0.2
kids=$(ps -o pid=,stat=,args= --ppid "$TPID" || true)
expect_eq "" "$kids" "children of the target left once forking stopped"
expect_alive
