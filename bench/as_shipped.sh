#!/usr/bin/env bash
# bench/as_shipped.sh — the per-thread mode on the demo server as a program
# ships (make bench): no update point in its code (compiled out), libnonstop
# not linked but preloaded, NONSTOP_UPDATE_POINTS=waits. Under the load
# client (CONNS persistent connections, closed loop), RUNS apply/revert
# cycles in the per-thread mode; for each, what nonstop reports: how long
# until the first and the last thread switched, how many switched at a wait
# (an implicit update point), how many nonstop switched while they slept
# (held a moment each, src/transition/pt_blocked.h), and which threads it
# stopped (libnonstop's own only). Then the medians, beside bench/run.sh's
# stop-the-world pauses of the same server with its update points.
#   BENCH_RUNS (default 10)   BENCH_CONNS (default 4)
# Exit 1 if an apply or revert fails, is not per-thread, or a request failed.
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
OUT=build/bench-as-shipped
RUNS=${BENCH_RUNS:-10}
CONNS=${BENCH_CONNS:-4}

bench_build "$OUT" as-shipped
bench_start_server "$OUT" as-shipped
"$OUT/client" load "$port" 600 "$CONNS" "$OUT/load.txt" >"$OUT/load.log" 2>&1 &
load_pid=$!
sleep 1

# field NAME JSON: the number of "NAME":N (or "NAME":[N]) in JSON.
field() { sed -n "s/.*\"$1\":\[\{0,1\}\([0-9.]*\).*/\1/p" <<<"$2"; }
ms() { awk -v u="$1" 'BEGIN {printf "%.1f", u / 1000}'; }

echo "nonstop bench: demo server as shipped (pid $server_pid: no update point, libnonstop preloaded, NONSTOP_UPDATE_POINTS=waits) under load, $CONNS connections, $RUNS apply/revert cycles, per-thread"
echo
printf '%4s  %7s  %22s  %14s  %14s  %8s\n' run threads "apply first/last (ms)" "at a wait" "asleep (held)" stopped
printf '%4s  %7s  %22s  %14s  %14s  %8s\n' ---- ------- ---------------------- -------------- -------------- --------
firsts=() lasts=() status=0
for i in $(seq "$RUNS"); do
	threads=$(bench_threads "$server_pid")
	if ! out=$("$NONSTOP" apply --json --mode per-thread "$server_pid" "$OUT/wc-fix.nsp" 2>&1); then
		echo "apply $i failed: $out" >&2
		status=1
		break
	fi
	f=$(field first_switch_us "$out") l=$(field switch_us "$out")
	firsts+=("$(ms "$f")") lasts+=("$(ms "$l")")
	printf '%4s  %7s  %22s  %14s  %14s  %8s\n' "$i" "$threads" "$(ms "$f") / $(ms "$l")" \
		"$(field waiting_threads "$out")" "$(field switched_asleep "$out")" \
		"$(field stopped_threads "$out")"
	sleep 0.2
	if ! out=$("$NONSTOP" revert --json "$server_pid" 2>&1); then
		echo "revert $i failed: $out" >&2
		status=1
		break
	fi
	sleep 0.2
done

bench_stop_load
result=$(cat "$OUT/load.txt" 2>/dev/null || echo "no result")
med() { printf '%s\n' "$@" | sort -g | awk '{v[NR]=$1} END {if (!NR) print "-"; else print (NR % 2 ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2)}'; }
echo
echo "apply, per-thread, as shipped: first thread switched after $(med ${firsts[@]+"${firsts[@]}"}) ms, last after $(med ${lasts[@]+"${lasts[@]}"}) ms (medians over ${#lasts[@]} runs); no worker paused"
echo "load during the runs: $result"
grep -q 'failed=0' <<<"$result" || { echo "bench: requests failed during the runs" >&2; status=1; }
exit $status
