#!/usr/bin/env bash
# bench/ptrace_stop.sh — what one ptrace stop costs on this machine (part
# of make bench): bench/ptrace_stop/ptrace_stop.c, RUNS times each with
# the tracee and the tracer on one CPU, on two CPUs, and where the
# scheduler puts them (as nonstop and its targets run); the medians in
# microseconds per stop. Every system call nonstop runs in a target costs
# two stops, an interrupt one: this is the floor under the per-process
# figures of bench/host_apply.sh. The table also goes to
# build/bench-ptrace/ptrace.md.
#   BENCH_RUNS (default 5)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
OUT=build/bench-ptrace
RUNS=${BENCH_RUNS:-5}
mkdir -p "$OUT"
cc -std=gnu11 -O2 -Wall -Wextra -o "$OUT/ptrace_stop" bench/ptrace_stop/ptrace_stop.c

median() { sort -n | awk '{v[NR]=$1} END {if (NR%2) print v[(NR+1)/2]; else print (v[NR/2]+v[NR/2+1])/2}'; }
row() {
	local what=$1 child=$2 tracer=$3
	printf '| %s | %s µs |\n' "$what" \
		"$(for _ in $(seq "$RUNS"); do "$OUT/ptrace_stop" "$child" "$tracer"; done | median)"
}

{
	echo "nonstop bench: one ptrace stop (PTRACE_SYSCALL, then waitpid), medians of $RUNS runs of 20000 stops, $(nproc) CPUs"
	echo
	echo "| tracee and tracer | per stop |"
	echo "|---|---|"
	row "on one CPU" 0 0
	if [ "$(nproc)" -gt 1 ]; then
		row "on two CPUs" 0 1
	fi
	row "placed by the scheduler" -1 -1
} | tee "$OUT/ptrace.md.tmp"
mv "$OUT/ptrace.md.tmp" "$OUT/ptrace.md"
