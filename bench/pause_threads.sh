#!/usr/bin/env bash
# bench/pause_threads.sh — the pause of an apply and a revert against the
# number of threads (part of make bench).
#
# bench/threads is a target whose N threads call the patched function in
# bursts between 1 ms sleeps: for N in 1 8 64 512 it is started, the
# one-function patch is applied and reverted RUNS times, and the medians of
# the pause (all threads stopped) and of the attempts are printed.
#   BENCH_RUNS (default 5)   BENCH_THREADS (default "1 8 64 512")
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
NONSTOP=$(realpath "${NONSTOP:-build/nonstop}")
OUT=build/bench-threads
RUNS=${BENCH_RUNS:-5}
THREADS=${BENCH_THREADS:-1 8 64 512}

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
field() { sed -n "s/.*\"$1\":\([0-9.]*\).*/\1/p"; }

echo "nonstop bench: pause against thread count ($RUNS apply/revert runs each; threads call the patched function, then sleep)"
echo
printf '%8s  %16s  %16s  %14s  %16s\n' threads "apply p50 (us)" "apply max (us)" "attempts p50" "revert p50 (us)"
printf '%8s  %16s  %16s  %14s  %16s\n' -------- ---------------- ---------------- -------------- ----------------
for n in $THREADS; do
	rm -f "$OUT/in"; mkfifo "$OUT/in"
	"$OUT/v1/prog" "$n" <"$OUT/in" >"$OUT/out" &
	pid=$!
	exec 8>"$OUT/in"
	for _ in $(seq 100); do grep -q ready "$OUT/out" 2>/dev/null && break; sleep 0.05; done
	: >"$OUT/apply"; : >"$OUT/revert"
	for _ in $(seq "$RUNS"); do
		"$NONSTOP" apply --json --timeout 10 "$pid" "$OUT/tick.nsp" >>"$OUT/apply" ||
			die "apply failed with $n threads"
		"$NONSTOP" revert --json --timeout 10 "$pid" >>"$OUT/revert" ||
			die "revert failed with $n threads"
	done
	exec 8>&-
	# Closing its stdin ends it: it may be gone (and reaped) already.
	kill "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	pid=""
	printf '%8s  %16s  %16s  %14s  %16s\n' "$n" \
		"$(field pause_us <"$OUT/apply" | median)" \
		"$(field pause_us <"$OUT/apply" | sort -n | tail -1)" \
		"$(field attempts <"$OUT/apply" | median)" \
		"$(field pause_us <"$OUT/revert" | median)"
done
