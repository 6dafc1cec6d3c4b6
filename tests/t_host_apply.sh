# apply --all-processes: every process of the host that maps the program
# the patch is for (matched by build-id) takes it, in parallel, and each
# is told apart: applied; another version (same file name, another
# build-id: skipped, untouched); not permitted (a debugger holds it);
# refused with the reason (a thread will return into a replaced
# function); exited meanwhile; already applied (a second run). --exclude
# and --user choose; --json is one document. The exit is 1 while a
# matching process did not take the patch, and what was applied stays.
# revert --all-processes then takes it out of each, and status
# --all-processes lists what runs where.
. "$TEST_LIB"
build_case host
# A name no other patch on this host has: the reverts act on ours alone.
PN=fix-$$
expect_exit 0 "$NONSTOP" build --name "$PN" -o fix.nsp --binary v1/prog v1 v2
gcc -O2 -o tracer "$CASES/host/tools/tracer.c" || fail "cannot build the tracer"
chmod 755 .          # nobody runs a copy from here
mkdir -m 777 out

for i in 1 2 3 4; do host_start out/a$i v1/prog out/a$i; done
host_start out/other v2/prog out/other; other=$HPID
host_start out/held v1/prog out/held hold; held=$HPID
host_start out/traced v1/prog out/traced; traced=$HPID
host_start out/excl v1/prog out/excl; excl=$HPID
host_start out/gone v1/prog out/gone; gone=$HPID
host_start out/nobody setpriv --reuid=65534 --regid=65534 --clear-groups \
	v1/prog out/nobody
nobody=$(pgrep -f "v1/prog out/nobody") || fail "no process of nobody's"
./tracer "$traced" >tracer.out 2>&1 &
_TARGET_PIDS+=($!)
for _ in $(seq 100); do grep -q traced tracer.out && break; sleep 0.02; done
grep -q traced tracer.out || fail "the tracer did not attach: $(cat tracer.out)"

# Every job sleeps 1.5 s before it attaches: meanwhile one target exits.
NONSTOP_FAULT_AT=1 NONSTOP_FAULT_SLEEP_MS=1500 "$NONSTOP" apply --all-processes \
	--user root --exclude "$excl" --jobs 16 --timeout 0.3 fix.nsp \
	>run1.out 2>run1.err &
apid=$!
sleep 0.5
kill -9 "$gone"
rc=0
wait "$apid" || rc=$?
sed 's/^/  out| /' run1.out
sed 's/^/  err| /' run1.err | grep -v '^  err| nonstop: sleeping' || true
[ "$rc" = 1 ] || fail "apply --all-processes exited $rc, expected 1 (one refused, one not permitted)"
for i in 1 2 3 4; do host_wait out/a$i 2; done
line() { grep -E "^process $1 \\(prog\\): " run1.out || fail "no line for process $1"; }
[ "$(grep -c "): applied '$PN' (stop-the-world, 1 thread paused" run1.out)" = 4 ] ||
	fail "not 4 processes applied"
line "$other" | grep -Eq "skipped: another version of prog \\(build-id [0-9a-f]+\\)$" ||
	fail "the other version: $(line "$other")"
line "$held" | grep -q "refused: thread $held will return into hold" ||
	fail "the held process: $(line "$held")"
line "$traced" | grep -q "skipped: not permitted: thread $traced is already traced by process" ||
	fail "the traced process: $(line "$traced")"
line "$gone" | grep -q "exited meanwhile$" || fail "the process that exited: $(line "$gone")"
grep -q "^process $excl " run1.out && fail "the excluded process is listed"
grep -q "^process $nobody " run1.out && fail "nobody's process is listed under --user root"
grep -Eq "^patch '$PN' for prog: applied in 4 of 7 processes; 1 refused; 1 not permitted; 1 exited; [0-9]+ another version, skipped; .* ms per process$" run1.out ||
	fail "summary: $(tail -n 2 run1.out)"
for f in held traced excl nobody; do
	[ "$(host_answer out/$f)" = 1 ] || fail "out/$f changed: $(host_answer out/$f)"
done
grep -q nonstop: "/proc/$other/maps" && fail "the other version was touched"
grep -q nonstop: "/proc/$held/maps" && fail "patch memory left in the refused process"

# --user nobody: only that one.
expect_exit 0 "$NONSTOP" apply --all-processes --user nobody --json fix.nsp
jq -e . last.out >/dev/null || fail "not one JSON document: $(cat last.out)"
[ "$(wc -l <last.out)" = 1 ] || fail "more than one line of JSON"
jq -e --argjson p "$nobody" '.ok and (.processes | length == 1) and
	.processes[0].pid == $p and .processes[0].result == "applied" and
	.processes[0].uid == 65534' last.out >/dev/null ||
	fail "apply --user nobody: $(cat last.out)"
host_wait out/nobody 2

# Again, every process: applied already, or refused as before.
kill %?tracer 2>/dev/null || pkill -f "^./tracer $traced" || true
expect_exit 1 "$NONSTOP" apply --all-processes --json --timeout 0.3 --exclude "$excl" fix.nsp
jq -e . last.out >/dev/null || fail "not JSON: $(cat last.out)"
res() { jq -r --argjson p "$1" '.processes[] | select(.pid == $p) | .result' last.out; }
expect_eq already-applied "$(res "$nobody")" "nobody's process, second run"
expect_eq other-version "$(res "$other")" "the other version, second run"
expect_eq refused "$(res "$held")" "the held process, second run"
expect_eq applied "$(res "$traced")" "the process no longer traced"
jq -e '.ok == false and .summary.already_applied == 5 and .summary.applied == 1
	and .summary.refused == 1' last.out >/dev/null || fail "summary: $(jq -c .summary last.out)"
host_wait out/traced 2

# status --all-processes: nobody's patched process (the other processes
# of this host are not this test's to count).
expect_exit 0 "$NONSTOP" status --all-processes --user nobody --json
jq -e --argjson p "$nobody" --arg n "$PN" '.ok and (.processes | length == 1) and
	.processes[0].pid == $p and .processes[0].patches[0].name == $n' last.out >/dev/null ||
	fail "status --all-processes: $(cat last.out)"
expect_exit 0 "$NONSTOP" status --all-processes
expect_stdout_match "^process $nobody: 1 patch applied"

# revert --all-processes: back to 1 everywhere; the excluded one was never patched.
expect_exit 0 "$NONSTOP" revert --all-processes "$PN"
expect_stdout_match "^patch '$PN': reverted in 6 of [0-9]+ processes"
for f in a1 a2 a3 a4 nobody traced; do host_wait out/$f 1; done
expect_exit 0 "$NONSTOP" revert --all-processes --user nobody --json
jq -e '.ok and .summary.processes == 0' last.out >/dev/null ||
	fail "a second revert found something: $(cat last.out)"
