#!/usr/bin/env bash
# bench/pause_threads.sh — the pause of an apply and a revert against the
# number of threads (part of make bench).
#
# bench/threads is a target whose N threads call the patched function in
# bursts between 1 ms sleeps ("light"), or without sleeping ("spin"): for N
# in 1 8 64 512 (spin: 8 64) it is started, the one-function patch is
# applied and reverted RUNS times, and the medians are printed: the pause
# (from the first thread stopped to the last released), the time every
# thread was held at once (frozen: from the last stopped to the first
# released), and the pause's parts as apply --json reports them (stopping,
# each thread unwound as it stops; the unwinding left after the last
# stopped; writing; releasing), the stop of the one thread
# borrowed to map the patch, the attempts (and the most of any run), the
# runs of a busy thread alone, and the wall and CPU time of the whole
# apply command. The table also goes to build/bench-threads/pause.md,
# which bench/latency.sh puts into docs/BENCHMARKS.md.
#   BENCH_RUNS (default 5)   BENCH_THREADS (default "1 8 64 512")
#   BENCH_SPIN_THREADS (default "8 64")
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
NONSTOP=$(realpath "${NONSTOP:-build/nonstop}")
OUT=build/bench-threads
RUNS=${BENCH_RUNS:-5}
THREADS=${BENCH_THREADS:-1 8 64 512}
SPIN_THREADS=${BENCH_SPIN_THREADS:-8 64}

pid=""
cleanup() {
	local rc=$?
	[ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	exit $rc
}
trap cleanup EXIT
die() { echo "bench: $*" >&2; exit 1; }

[ -x "$NONSTOP" ] || die "nonstop not found: run make first"
rm -rf "$OUT"
for v in v1 v2; do
	mkdir -p "$OUT/src-$v" "$OUT/$v"
	cp bench/threads/v1/*.c "$OUT/src-$v"/
	cp bench/threads/$v/*.c "$OUT/src-$v"/
	for f in "$OUT/src-$v"/*.c; do
		(cd "$OUT/src-$v" && gcc $($NONSTOP cflags) -O2 -c "$(basename "$f")" \
			-o "../$v/$(basename "${f%.c}").o")
	done
	gcc -pthread -o "$OUT/$v/prog" "$OUT/$v"/*.o
done
"$NONSTOP" build -o "$OUT/tick.nsp" --binary "$OUT/v1/prog" "$OUT/v1" "$OUT/v2" >/dev/null

median() { sort -n | awk '{v[NR]=$1} END {if (NR%2) print v[(NR+1)/2]; else print (v[NR/2]+v[NR/2+1])/2}'; }
maximum() { sort -n | tail -n 1; }
field() { sed -n "s/.*\"$1\":\([0-9.]*\).*/\1/p"; }
p50() { field "$1" <"$OUT/apply" | median; }

# One apply command, timed by bash: "wall user sys" in ms, to $OUT/times.
TIMEFORMAT='%3R %3U %3S'
timed_apply() {
	local t
	{ t=$( { time "$NONSTOP" apply --json --timeout 10 "$pid" "$OUT/tick.nsp" >>"$OUT/apply"; } 2>&1 ); } ||
		return 1
	echo "$t" | awk '{printf "%.1f %.1f\n", $1 * 1000, ($2 + $3) * 1000}' >>"$OUT/times"
}

row() {
	local n=$1 mode=$2
	rm -f "$OUT/in"; mkfifo "$OUT/in"
	"$OUT/v1/prog" "$n" "$mode" <"$OUT/in" >"$OUT/out" &
	pid=$!
	exec 8>"$OUT/in"
	for _ in $(seq 100); do grep -q ready "$OUT/out" 2>/dev/null && break; sleep 0.05; done
	: >"$OUT/apply"; : >"$OUT/revert"; : >"$OUT/times"
	for _ in $(seq "$RUNS"); do
		timed_apply || die "apply failed with $n threads ($mode)"
		"$NONSTOP" revert --json --timeout 10 "$pid" >>"$OUT/revert" ||
			die "revert failed with $n threads ($mode)"
	done
	exec 8>&-
	# Closing its stdin ends it: it may be gone (and reaped) already.
	kill "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	pid=""
	printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s / %s | %s | %s | %s | %s |\n' \
		"$n" "$mode" "$(p50 pause_us)" "$(p50 frozen_us)" "$(p50 stop_us)" "$(p50 unwind_us)" \
		"$(p50 write_us)" "$(p50 release_us)" "$(p50 load_stop_us)" \
		"$(p50 attempts)" "$(field attempts <"$OUT/apply" | maximum)" \
		"$(p50 ran_alone)" "$(field pause_us <"$OUT/revert" | median)" \
		"$(awk '{print $1}' "$OUT/times" | median)" \
		"$(awk '{print $2}' "$OUT/times" | median)"
}

echo "nonstop bench: pause against thread count ($RUNS apply/revert runs each; medians, us unless said)"
echo
{
	echo "| threads | workers | pause | frozen | stopping | unwinding after | writing | releasing | map stop | attempts p50 / max | runs alone | revert pause | apply wall (ms) | apply CPU (ms) |"
	echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
	for n in $THREADS; do row "$n" light; done
	for n in $SPIN_THREADS; do row "$n" spin; done
} | tee "$OUT/pause.md"
