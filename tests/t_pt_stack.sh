# Per-thread patches stacked on the same functions: A (v1 -> v2) and then B
# (v2 -> v4, built against v2 and replacing A's functions again). Each
# thread runs v1, A's or B's code by its own view, never a mix: with A
# complete, and with A still pending (a thread that never reaches an
# update point keeps the program's own code). A cannot be reverted before
# B; reverting B gives A's code back, then A the original.
# timeout: 300
. "$TEST_LIB"

build_case pt --libnonstop
build_version --libnonstop pt v4 v2 v4
expect_exit 0 "$NONSTOP" build --name A -o A.nsp --binary v1/prog --new-binary v2/prog v1 v2
expect_exit 0 "$NONSTOP" build --name B -o B.nsp --binary v2/prog --new-binary v4/prog v2 v4
expect_exit 0 "$NONSTOP" show B.nsp
expect_stdout_match 'replace +ver_a'

for stuck in "" --stuck; do
	start_target v1/prog $stuck
	if [ -n "$stuck" ]; then pending=--leave-pending; else pending=; fi
	expect_exit 0 "$NONSTOP" apply --timeout 1 $pending "$TPID" A.nsp
	wait_answer "workers=new loop=new" v
	expect_exit 0 "$NONSTOP" apply --timeout 1 $pending "$TPID" B.nsp
	expect_stdout_match 'per-thread mode'
	wait_answer "workers=v3 loop=v3" v
	expect_exit 1 "$NONSTOP" revert "$TPID" A
	expect_stderr_match "patch 'A' cannot be reverted before patch 'B'"
	expect_exit 0 "$NONSTOP" revert --timeout 2 "$TPID" B
	wait_answer "workers=new loop=new" v
	expect_exit 0 "$NONSTOP" revert --timeout 2 "$TPID" A
	wait_answer "workers=old loop=old" v
	expect_eq 0 "$(ask mixed)" "mixed pairs ${stuck:-(no stuck thread)}"
	expect_exit 0 "$NONSTOP" status "$TPID"
	expect_stdout_match 'no patches applied'
	grep -q 'nonstop:' "/proc/$TPID/maps" && fail "patch memory left: $(grep nonstop: /proc/$TPID/maps)"
	expect_alive
	stop_target
done
