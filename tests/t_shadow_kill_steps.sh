# The first apply of a patch that uses shadow variables to a program with
# no root of its own creates the nonstop:shadow mapping (memfd, mmap, its
# magic) before the patch is mapped. That apply fails, then is killed, at
# every step (NONSTOP_FAULT_AT), each time on a fresh target:
#   - failed: the process is exactly as it was (its maps unchanged: the
#     root the apply made is taken back, unused), or the step did not
#     matter and the patch is applied; the next apply then succeeds;
#   - killed: the target runs on, and the next apply succeeds, sweeping
#     what the dead one left (an unfinished root mapping, a descriptor):
#     the process then has exactly one root, and the counters work.
# timeout: 600
. "$TEST_LIB"

build_case shadow
expect_exit 0 "$NONSTOP" build --name A -o A.nsp --binary v1/prog --new-binary v2/prog v1 v2

# The patch's mapping and the root's, and no memfd descriptor of nonstop's.
only_patch_and_root() {
	local other
	[ "$(grep -c 'nonstop:shadow' "/proc/$TPID/maps")" = 1 ] ||
		fail "not exactly one root mapping: $(grep nonstop: "/proc/$TPID/maps")"
	other=$(grep 'nonstop:' "/proc/$TPID/maps" | grep -v -e 'nonstop:shadow' -e 'nonstop:A ' || true)
	[ -z "$other" ] || fail "other nonstop mappings left: $other"
	if ls -l "/proc/$TPID/fd" | grep -q 'memfd:nonstop'; then
		fail "descriptor left open in the target: $(ls -l "/proc/$TPID/fd" | grep memfd)"
	fi
}

start_target v1/prog
napply=$(steps apply "$TPID" A.nsp)
expect_eq 0 "$(ask check)" "A applied without faults"
only_patch_and_root
stop_target
note "apply passes $napply steps"
[ "$napply" -gt 20 ] || fail "too few steps counted"

# before_run MODE OP K: a fresh target for each run, its maps noted.
before_run() {
	start_target v1/prog
	maps_snapshot before.maps
	kill_op apply "$napply" apply "$TPID" A.nsp
}

# after_run MODE OP K RC: see above; then the target is stopped.
after_run() {
	local mode=$1 k=$3 rc=$4 v
	v=$(ask check)
	note "$mode apply at step $k: exit $rc, check() $v"
	expect_alive >/dev/null
	case $mode/$rc/$v in
	fail/1/-1)
		maps_snapshot after.maps
		diff before.maps after.maps ||
			fail "the maps changed after apply failed at step $k"
		expect_exit 0 "$NONSTOP" apply "$TPID" A.nsp >/dev/null
		only_patch_and_root ;;
	fail/0/0)
		# (Closing the memfd failed: the descriptor is the
		# next command's to close.)
		expect_exit 0 "$NONSTOP" revert "$TPID" >/dev/null
		expect_exit 0 "$NONSTOP" apply "$TPID" A.nsp >/dev/null
		only_patch_and_root ;;
	kill/137/-1)
		expect_exit 0 "$NONSTOP" apply "$TPID" A.nsp >/dev/null
		only_patch_and_root ;;
	kill/137/0 | kill/0/0) ;;
	*) fail "apply $mode at step $k: exit $rc, check() $v" ;;
	esac
	expect_eq 0 "$(ask check)" "check() once A is applied" >/dev/null
	expect_eq 1 "$(ask hit 3)" "a new counter" >/dev/null
	expect_eq 2 "$(ask hit 3)" "the counter kept" >/dev/null
	stop_target
}

# (The pid: that of the target before_run starts for each run.)
kill_op apply "$napply" apply "$TPID" A.nsp
kill_matrix after_run before_run
