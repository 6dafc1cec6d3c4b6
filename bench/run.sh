#!/usr/bin/env bash
# bench/run.sh — how long an apply pauses a loaded server (make bench).
#
# Builds the demo server (examples/server) v1 and v2 and the demo patch,
# starts v1 under the load client (CONNS persistent connections in a closed
# loop), then applies (in stop-the-world mode: the server runs libnonstop,
# which would make per-thread the default, where no worker pauses; see
# bench/latency.sh) and reverts the patch RUNS times and prints the pause
# each apply (and revert) reported — "paused N threads for X us" — with the
# median, minimum and maximum, and the server's thread count.
#   BENCH_RUNS (default 10)   BENCH_CONNS (default 4)
# Exit 1 if an apply or revert fails or the load client saw a failed request.
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
OUT=build/bench
RUNS=${BENCH_RUNS:-10}
CONNS=${BENCH_CONNS:-4}

bench_build "$OUT"
bench_start_server "$OUT"
# The load runs until we stop it (SIGTERM), at most 10 minutes.
"$OUT/client" load "$port" 600 "$CONNS" "$OUT/load.txt" >"$OUT/load.log" 2>&1 &
load_pid=$!
sleep 1

pause_of() {	# the X of "paused N threads for X us" in $1, or "-"
	grep -oE 'paused [0-9]+ threads? for [0-9.]+ us' <<<"$1" | head -n 1 |
		awk '{print $(NF-1)}' | grep . || echo -
}

echo "nonstop bench: demo server (pid $server_pid) under load, $CONNS connections, $RUNS apply/revert cycles, stop-the-world"
echo
printf '%4s  %8s  %18s  %18s\n' run threads "apply pause (us)" "revert pause (us)"
printf '%4s  %8s  %18s  %18s\n' ---- -------- ------------------ ------------------
applies=()
reverts=()
status=0
for i in $(seq "$RUNS"); do
	threads=$(bench_threads "$server_pid")
	if out=$("$NONSTOP" apply --mode stop "$server_pid" "$OUT/wc-fix.nsp" 2>&1); then
		ap=$(pause_of "$out")
	else
		echo "apply $i failed: $out" >&2
		ap=FAILED status=1
	fi
	[ "$ap" != - ] && [ "$ap" != FAILED ] && applies+=("$ap")
	sleep 0.2
	if out=$("$NONSTOP" revert "$server_pid" 2>&1); then
		rp=$(pause_of "$out")
	else
		echo "revert $i failed: $out" >&2
		rp=FAILED status=1
	fi
	[ "$rp" != - ] && [ "$rp" != FAILED ] && reverts+=("$rp")
	printf '%4s  %8s  %18s  %18s\n' "$i" "$threads" "$ap" "$rp"
	sleep 0.2
	[ "$rp" = FAILED ] && break
done

bench_stop_load
result=$(cat "$OUT/load.txt" 2>/dev/null || echo "no result")

# summary WHAT VALUES...: median, min and max of the values.
summary() {
	local what=$1
	shift
	if [ $# = 0 ]; then
		echo "$what pause: not reported"
		return
	fi
	printf '%s\n' "$@" | sort -g | awk -v t="$threads" -v w="$what" '
		{ v[NR] = $1 }
		END {
			med = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
			printf "%-6s pause over %2d runs: median %8s us, min %8s us, max %8s us (server threads: %s)\n",
				w, NR, med, v[1], v[NR], t
		}'
}

echo
summary apply ${applies[@]+"${applies[@]}"}
summary revert ${reverts[@]+"${reverts[@]}"}
echo "load during the runs: $result"
grep -q 'failed=0' <<<"$result" || { echo "bench: requests failed during the runs" >&2; status=1; }
exit $status
