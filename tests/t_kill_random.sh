#!/bin/bash
# Kills nonstop with SIGKILL at random moments of apply and revert, 240
# times, against the kill case's loaded target (a main thread computing
# with live AVX state, three threads calling both patched functions without
# pause, one in nanosleep). Where t_kill_steps kills at each step in turn,
# this kills at any instant, between steps and inside them, with the delay
# drawn uniformly over the time an apply or a revert takes.
# After every kill the target must run, with no thread stopped or traced,
# no wrong result, register or wake-up, and both functions old or both new
# as `status` says (tests/lib/kill.sh); the next nonstop command
# must then work, and clean up what the killed one left.
# timeout: 900
. "$TEST_LIB"

RUNS=${KILL_RUNS:-240}

build_case kill
make_patch fix.nsp
start_target v1/prog

now_us() { echo $(($(date +%s%N) / 1000)); }

# How long an apply and a revert take here (wall clock, median of 3).
durs=()
for i in 1 2 3; do
	t0=$(now_us)
	"$NONSTOP" apply "$TPID" fix.nsp >/dev/null
	t1=$(now_us)
	"$NONSTOP" revert "$TPID" fix >/dev/null
	t2=$(now_us)
	durs+=($((t1 - t0)) $((t2 - t1)))
done
span=$(printf '%s\n' "${durs[@]}" | sort -n | sed -n 3p)
span=$((span * 12 / 10))
# What starting sleep(1) itself takes is taken off each delay: against an
# apply of a few milliseconds it is not small, and the kills would come
# after most runs had finished.
lags=()
for i in 1 2 3 4 5; do
	t0=$(now_us)
	sleep 0
	lags+=($(($(now_us) - t0)))
done
lag=$(printf '%s\n' "${lags[@]}" | sort -n | sed -n 3p)
note "killing at a uniform random moment within ${span} us of the start (sleep takes ${lag} us to start)"

declare -A outcome
v=old
for ((i = 1; i <= RUNS; i++)); do
	if [ "$v" = old ]; then op=(apply "$TPID" fix.nsp); else op=(revert "$TPID" fix); fi
	delay=$((RANDOM * 32768 + RANDOM))
	delay=$((delay % span - lag))
	[ "$delay" -ge 0 ] || delay=0
	"$NONSTOP" "${op[@]}" >/dev/null 2>&1 &
	np=$!
	sleep "$(printf '0.%06d' "$delay")"
	kill -KILL "$np" 2>/dev/null || true
	rc=0
	wait "$np" || rc=$?
	before=$v
	v=$(kill_version) || exit 1
	case $rc in
	0) what=finished ;;
	137) what=killed ;;
	*) fail "run $i: ${op[0]} exited $rc" ;;
	esac
	key="${op[0]} $what, $before->$v"
	outcome[$key]=$((${outcome[$key]:-0} + 1))
done
for key in "${!outcome[@]}"; do
	note "$(printf '%4d  %s' "${outcome[$key]}" "$key")"
done
# The next command cleans up after the killed ones, then nothing is left.
if [ "$v" = new ]; then
	expect_exit 0 "$NONSTOP" revert "$TPID" fix >/dev/null
else
	expect_exit 0 "$NONSTOP" apply "$TPID" fix.nsp >/dev/null
	expect_exit 0 "$NONSTOP" revert "$TPID" fix >/dev/null
fi
kill_no_leftovers
v=$(kill_version) || exit 1
[ "$v" = old ] || fail "not back to the old code"
kills=0
for key in "${!outcome[@]}"; do
	case $key in *killed*) kills=$((kills + ${outcome[$key]})) ;; esac
done
note "$RUNS runs, $kills of them killed mid-operation; the target intact after each"
[ "$kills" -ge $((RUNS / 2)) ] || fail "too few runs were killed mid-operation ($kills)"
