# timeout: 300
# One nonstop per process at a time. While an apply waits for a safe
# moment, a second apply or revert of the same process is refused at once
# with "another nonstop (pid N) is working on process P" (not taken for a
# debugger). Then revert and apply race, 30 times, against the kill case's
# loaded target: whatever the order, the target never crashes, its code is
# one version that `status` agrees with, and a command that lost the race
# says so and nothing else. (Before the lock, a revert could unmap the
# patch a concurrent apply had just put at the same address: both said
# they succeeded, and the target crashed.)
. "$TEST_LIB"

note "--- a second nonstop while an apply waits"
build_case spin
make_patch fix.nsp
start_target v1/prog
"$NONSTOP" apply --timeout 4 "$TPID" fix.nsp >first.out 2>first.err &
first=$!
sleep 1
expect_exit 1 "$NONSTOP" apply "$TPID" fix.nsp
expect_one_error_line
expect_stderr_match "another nonstop \\(pid $first\\) is working on process $TPID"
expect_exit 1 "$NONSTOP" revert "$TPID"
expect_one_error_line
expect_stderr_match "another nonstop \\(pid $first\\) is working on process $TPID"
rc=0
wait "$first" || rc=$?
expect_eq 1 "$rc" "the first apply (the spinner never leaves spin())"
expect_eq old "$(ask answer)" "answer after both"
expect_alive
stop_target
rm -rf v1 v2 src-v1 src-v2

note "--- revert and apply racing"
build_case kill
make_patch fix.nsp
start_target v1/prog
lost=0
for ((i = 1; i <= 30; i++)); do
	if [ "$(kill_version)" = old ]; then
		expect_exit 0 "$NONSTOP" apply "$TPID" fix.nsp >/dev/null
	fi
	"$NONSTOP" revert "$TPID" fix >rv.out 2>rv.err &
	rv=$!
	# Anywhere from the revert's start to past its end.
	sleep "$(printf '%d.%03d' $((RANDOM % 2)) $((RANDOM % 1000)))"
	"$NONSTOP" apply "$TPID" fix.nsp >ap.out 2>ap.err &
	ap=$!
	rc_rv=0 rc_ap=0
	wait "$rv" || rc_rv=$?
	wait "$ap" || rc_ap=$?
	for x in rv ap; do
		rc_var=rc_$x
		[ "${!rc_var}" = 0 ] && continue
		[ "${!rc_var}" = 1 ] || fail "run $i: $x exited ${!rc_var}: $(cat $x.err)"
		if grep -Eq "another nonstop \\(pid [0-9]+\\) is working on process $TPID|is already applied" $x.err; then
			lost=$((lost + 1))
			continue
		fi
		fail "run $i: $x failed otherwise: $(cat $x.err)"
	done
	v=$(kill_version) || exit 1
	note "run $i: revert exit $rc_rv, apply exit $rc_ap -> $v"
done
note "ok: 30 races, $lost commands refused because of the other one"
expect_alive
