# A worker of a host-wide command that dies in its job (here: nonstop
# killed by SIGKILL at the first step of every job, NONSTOP_FAULT_KILL)
# fails that process's line, and a new worker goes on with the next: with
# one job at a time, each of three processes is reported once, as failed,
# the command exits 1, and every process runs on untouched (the old
# answer, no patch memory). Then, without the fault, all three take it.
. "$TEST_LIB"
build_case host
PN=die-$$
expect_exit 0 "$NONSTOP" build --name "$PN" -o fix.nsp --binary v1/prog v1 v2
mkdir out
pids=()
for i in 1 2 3; do host_start out/$i v1/prog out/$i; pids+=("$HPID"); done

NONSTOP_FAULT_AT=1 NONSTOP_FAULT_KILL=1 expect_exit 1 "$NONSTOP" apply \
	--all-processes --jobs 1 --json fix.nsp
jq -e . last.out >/dev/null || fail "not one JSON document: $(cat last.out)"
for p in "${pids[@]}"; do
	jq -e --argjson p "$p" '[.processes[] | select(.pid == $p)] | length == 1 and
		.[0].result == "failed" and (.[0].reason | test("killed by signal 9"))' \
		last.out >/dev/null || fail "process $p: $(jq -c --argjson p "$p" \
		'.processes[] | select(.pid == $p)' last.out)"
done
for i in 1 2 3; do
	host_wait out/$i 1
	if grep -q nonstop: "/proc/${pids[$((i - 1))]}/maps"; then
		fail "patch memory left in process ${pids[$((i - 1))]}"
	fi
done

expect_exit 0 "$NONSTOP" apply --all-processes --jobs 1 fix.nsp
expect_stdout_match "^patch '$PN' for prog: applied in 3 of 3 processes"
for i in 1 2 3; do host_wait out/$i 2; done
expect_exit 0 "$NONSTOP" revert --all-processes "$PN"
for i in 1 2 3; do host_wait out/$i 1; done
