# tests/lib/shadow_mt.sh — shadow variables under concurrent use, run by
# t_shadow_mt (stop-the-world) and t_shadow_mt_pt (per-thread) (sourced by
# tests/lib.sh), with the case tests/cases/shadow_mt built and its target
# started.
#
#   mt_scenario MODE     MODE: the mode apply and revert must report

# mt_wait_checks N: waits until the patched work() has run N times (the
# workers' own pace: no time is asserted; 120 s at most).
mt_wait_checks() {
	local want=$1 n i
	for ((i = 0; i < 1200; i++)); do
		n=$(ask checks)
		[ "$n" -ge "$want" ] && { note "work() checked $n times"; return 0; }
		sleep 0.1
	done
	fail "work() checked only $n times, waited for $want"
}

# mt_verify: holds the workers, checks the whole table, lets them go.
mt_verify() {
	expect_eq held "$(ask hold)" "workers held"
	expect_eq 0 "$(ask verify)" "the table agrees with what the workers counted"
	expect_eq going "$(ask go)" "workers running again"
}

mt_scenario() {
	local mode=$1 c it

	expect_eq 0 "$(ask checks)" "v1 checks nothing"
	nm v1/prog | grep -q ' nonstop__shadow_root$' ||
		fail "v1/prog has no shadow root of its own: the case is meant to have one"

	# Applied while the four workers run at full speed.
	expect_exit 0 "$NONSTOP" apply "$TPID" fix.nsp
	expect_stdout_match "\\($mode mode\\)"
	grep -q 'nonstop:shadow' "/proc/$TPID/maps" &&
		fail "a nonstop:shadow mapping, but the program has its own root"
	for round in 1 2 3; do
		c=$(ask checks)
		mt_wait_checks $((c + 100000))
		expect_eq 0 "$(ask errors)" "lost or mixed-up shadow variables (round $round)"
		mt_verify
	done

	# And reverted under the same load: the workers go on with v1.
	expect_exit 0 "$NONSTOP" revert "$TPID"
	expect_stdout_match "$mode mode"
	expect_eq 0 "$(ask checks)" "v1's checks() after the revert"
	it=$(ask iters)
	wait_answer pong ping
	for ((i = 0; i < 600; i++)); do
		[ "$(ask iters)" -gt "$it" ] && break
		sleep 0.1
	done
	[ "$(ask iters)" -gt "$it" ] || fail "the workers stopped after the revert"
	expect_alive
}
