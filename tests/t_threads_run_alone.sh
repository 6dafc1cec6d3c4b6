# 8 threads call compute() back to back, a loop that a stop of every thread
# often finds one of them inside. The applies and reverts switch in their
# first attempt (all but at most 3 of 30: a loaded machine may keep the
# thread that runs alone off the cores past the bound): a thread found
# inside runs on alone, the others held, until it is out
# (src/transition/runalone.c), instead of every thread being let go and
# stopped again, which took a second attempt in a third of the switches.
# Across the runs a thread ran alone at least once, every result the
# threads saw is the old or the new one, and they keep running.
# (A thread that never leaves is still refused: t_never_leaves_refused.)
. "$TEST_LIB"
build_case spinners
make_patch fix.nsp
start_target v1/prog
sleep 0.2

num() { sed -n "s/.*\"$1\":\([0-9]*\).*/\1/p"; }
alone=0
more=0
for i in $(seq 15); do
	for op in apply revert; do
		if [ $op = apply ]; then
			"$NONSTOP" apply --json --timeout 20 "$TPID" fix.nsp >out.json ||
				fail "apply $i failed: $(cat out.json)"
		else
			"$NONSTOP" revert --json --timeout 20 "$TPID" >out.json ||
				fail "revert $i failed: $(cat out.json)"
		fi
		a=$(num attempts <out.json)
		s=$(num ran_alone <out.json)
		[ -n "$s" ] || fail "no ran_alone in: $(cat out.json)"
		[ "$a" = 1 ] || { more=$((more + 1)); note "$op $i took $a attempts: $(cat out.json)"; }
		alone=$((alone + s))
	done
done
[ "$more" -le 3 ] || fail "$more of 30 switches took more than one attempt"
[ "$alone" -gt 0 ] || fail "no thread ran alone out of compute() in 30 switches"
note "ok: $((30 - more)) of 30 switches in one attempt, a busy thread ran alone $alone times"
c0=$(ask calls)
sleep 0.2
c1=$(ask calls)
[ "$c1" -gt "$c0" ] || fail "the threads stopped calling ($c0 -> $c1)"
note "$(ask stats)"
expect_eq 0 "$(ask errors)" "results that were neither old nor new"
expect_alive
