#!/usr/bin/env bash
# bench/host_apply.sh — the host-wide apply against the number of
# processes (part of make bench).
#
# N idle processes of one program (tests/cases/host: single-threaded,
# asleep in nanosleep, writing what answer() returns to a file of its own
# once a second) are started, for N in 10 100 500; then, RUNS times,
# `nonstop apply --all-processes --json` and `revert --all-processes
# --json` run, and after each every process is checked for the new (then
# the old) behaviour: its file must say 2 (then 1) within 1.5 s. Printed
# per N: the median wall time of the whole command divided by N (the
# per-process figure), the command's wall and CPU time (user + sys, its
# jobs included), for apply and for revert. The table also goes to
# build/bench-host/host.md.
#   BENCH_RUNS (default 5)   BENCH_HOST_PROCS (default "10 100 500")
#   BENCH_HOST_JOBS (default: nonstop's, one per CPU)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
NONSTOP=$(realpath "${NONSTOP:-build/nonstop}")
OUT=$ROOT/build/bench-host
RUNS=${BENCH_RUNS:-5}
PROCS=${BENCH_HOST_PROCS:-10 100 500}
JOBS=()
[ -n "${BENCH_HOST_JOBS:-}" ] && JOBS=(--jobs "$BENCH_HOST_JOBS")

pids=()
cleanup() {
	local rc=$?
	[ ${#pids[@]} -gt 0 ] && kill -KILL "${pids[@]}" 2>/dev/null
	wait 2>/dev/null
	exit $rc
}
trap cleanup EXIT
die() { echo "bench: $*" >&2; exit 1; }

[ -x "$NONSTOP" ] || die "nonstop not found: run make first"
command -v jq >/dev/null || die "jq not found (scripts/deps.sh installs it)"
rm -rf "$OUT"
for v in v1 v2; do
	mkdir -p "$OUT/src-$v" "$OUT/$v"
	cp tests/cases/host/v1/*.c "$OUT/src-$v"/
	cp tests/cases/host/$v/*.c "$OUT/src-$v"/
	for f in main answer; do
		# shellcheck disable=SC2046 # the flags are words
		(cd "$OUT/src-$v" && gcc $("$NONSTOP" cflags) -O2 -c $f.c -o ../$v/$f.o)
	done
	gcc -o "$OUT/$v/prog" "$OUT/$v"/*.o
done
# A name no other patch on this host has: the revert acts on it alone.
NAME=bench-host-$$
"$NONSTOP" build --name "$NAME" -o "$OUT/fix.nsp" --binary "$OUT/v1/prog" "$OUT/v1" "$OUT/v2" >/dev/null

say() { echo "$@" | tee -a "$OUT/host.md.tmp"; }
median() { sort -n | awk '{v[NR]=$1} END {if (NR%2) print v[(NR+1)/2]; else print (v[NR/2]+v[NR/2+1])/2}'; }

# check N WANT: every process's file says WANT (waits up to 1.5 s).
check() {
	local n=$1 want=$2 i t
	for t in $(seq 75); do
		for ((i = 1; i <= n; i++)); do
			[ "$(cat "$OUT/out/$i" 2>/dev/null)" = "$want" ] || break
		done
		[ "$i" -gt "$n" ] && return 0
		sleep 0.02
	done
	die "process $i of $n says '$(cat "$OUT/out/$i" 2>/dev/null)', expected $want"
}

# timed OP N: runs `nonstop OP --all-processes --json`, checks that it
# acted on N processes; appends "per-process-ms wall-ms cpu-ms" to $OUT/OP.
TIMEFORMAT='%3R %3U %3S'
timed() {
	local op=$1 n=$2 t
	shift 2
	{ t=$( { time "$NONSTOP" "$op" --all-processes --json ${JOBS[@]+"${JOBS[@]}"} \
		"$@" >"$OUT/last.json"; } 2>&1 ); } || die "$op failed: $(cat "$OUT/last.json")"
	jq -e --argjson n "$n" --arg k "$([ "$op" = apply ] && echo applied || echo reverted)" \
		'.ok and .summary[$k] == $n' "$OUT/last.json" >/dev/null ||
		die "$op did not act on the $n processes: $(jq -c .summary "$OUT/last.json")"
	echo "$t" | awk -v n="$n" -v w="$(jq .summary.wall_us "$OUT/last.json")" \
		'{printf "%.3f %.1f %.1f\n", w / 1000 / n, $1 * 1000, ($2 + $3) * 1000}' >>"$OUT/$op"
}

row() {
	local n=$1 i
	mkdir -p "$OUT/out"
	for ((i = 1; i <= n; i++)); do
		"$OUT/v1/prog" "$OUT/out/$i" 1000 </dev/null >/dev/null 2>&1 &
		pids+=($!)
		disown   # no "Killed" notice from the shell when they go
	done
	check "$n" 1
	rm -f "$OUT/apply" "$OUT/revert"
	for _ in $(seq "$RUNS"); do
		timed apply "$n" "$OUT/fix.nsp"
		check "$n" 2
		timed revert "$n" "$NAME"
		check "$n" 1
	done
	kill -KILL "${pids[@]}" 2>/dev/null || true
	pids=()
	rm -rf "$OUT/out"
	say "$(printf '| %s | %s | %s ms | %s ms | %s | %s ms | %s ms |' "$n" \
		"$(cut -d' ' -f1 "$OUT/apply" | median)" \
		"$(cut -d' ' -f2 "$OUT/apply" | median)" \
		"$(cut -d' ' -f3 "$OUT/apply" | median)" \
		"$(cut -d' ' -f1 "$OUT/revert" | median)" \
		"$(cut -d' ' -f2 "$OUT/revert" | median)" \
		"$(cut -d' ' -f3 "$OUT/revert" | median)")"
}

# Not in a pipeline: row's processes must be the ones cleanup kills.
rm -f "$OUT/host.md.tmp"
say "nonstop bench: apply/revert --all-processes against idle processes of one program, medians of $RUNS runs, jobs: ${BENCH_HOST_JOBS:-one per CPU ($(nproc))}; every process checked after each command"
say
say "| processes | apply, ms per process | apply wall | apply CPU | revert, ms per process | revert wall | revert CPU |"
say "|---|---|---|---|---|---|---|"
for n in $PROCS; do row "$n"; done
mv "$OUT/host.md.tmp" "$OUT/host.md"
