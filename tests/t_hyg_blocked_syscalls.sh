# timeout: 90
# Threads blocked in accept(), epoll_wait(), pthread_cond_wait(), sem_wait()
# (futex), poll() and poll() with a timeout, through an apply and a revert:
# none of the calls returns — no EINTR, no early or spurious return
# — and each still works afterwards (a "poke" wakes every one of them). Run
# once per call with the thread-group leader (the thread nonstop borrows
# for its system calls) as the one blocked in it. read() and nanosleep()
# are t_read_no_eintr and t_nanosleep_not_early.
. "$TEST_LIB"
build_case hyg_blocked
make_patch fix.nsp

stats1="accept=1/0/0 epoll=1/0/0 cond=1/0/0 sem=1/0/0 poll=1/0/0 polltmo=1/0/0"
stats2="accept=2/0/0 epoll=2/0/0 cond=2/0/0 sem=2/0/0 poll=2/0/0 polltmo=2/0/0"
bad=()
for mode in accept epoll cond sem poll polltmo; do
	note "--- the leader blocked in $mode"
	start_target v1/prog "$mode"
	expect_eq ok "$(ask poke)" "every blocker wakes for a poke before the update"
	expect_eq "$stats1" "$(ask stats)" "woke/failed/early before the update"
	sleep 0.2	# every blocker is back in its call
	expect_exit 0 "$NONSTOP" apply --timeout 20 "$TPID" fix.nsp
	expect_eq new "$(ask answer)" "answer after apply"
	sleep 0.1
	expect_exit 0 "$NONSTOP" revert --timeout 20 "$TPID"
	expect_eq old "$(ask answer)" "answer after revert"
	sleep 0.1
	s=$(ask stats)
	if [ "$s" = "$stats1" ]; then
		note "ok: no blocked call returned during the updates: $s"
	else
		bad+=("leader in $mode: after apply/revert, woke/failed/early = '$s' (want '$stats1'); last errno: $(ask errnos)")
		note "BAD: ${bad[-1]}"
	fi
	p=$(ask poke)
	s=$(ask stats)
	if [ "$p" = ok ] && [ "$s" = "$stats2" ]; then
		note "ok: every blocker still works: $s"
	else
		bad+=("leader in $mode: poke after the updates: '$p', woke/failed/early = '$s' (want '$stats2')")
		note "BAD: ${bad[-1]}"
	fi
	expect_alive
	stop_target
done
[ ${#bad[@]} = 0 ] || fail "$(printf '\n  %s' "${bad[@]}")"
