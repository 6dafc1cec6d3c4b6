#!/bin/bash
# run_fuzz.sh BINARY SECONDS OUTDIR CORPUS [SEEDS...] — runs the libFuzzer
# target BINARY for SECONDS, growing the corpus in CORPUS from it and the
# seed directories (those that do not exist are skipped), with its log in
# OUTDIR/fuzz.log and a crashing input in OUTDIR/artifacts/. Says how many
# executions ran, how fast, and the coverage libFuzzer reached; exit 1 with
# the end of the log if it found a crash, a leak or a timeout.
set -uo pipefail

bin=$1 secs=$2 outdir=$3 corpus=$4
shift 4
log=$outdir/fuzz.log
mkdir -p "$outdir/artifacts" "$corpus"
dirs=("$corpus")
for d in "$@"; do
	[ -d "$d" ] && dirs+=("$d")
done
echo "fuzz: running $bin for $secs s (log: $log)"
"$bin" -max_total_time="$secs" -timeout=10 -print_final_stats=1 \
	-artifact_prefix="$outdir/artifacts/" "${dirs[@]}" >"$log" 2>&1
rc=$?
execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
cov=$(sed -n 's/.* cov: \([0-9]*\) ft: \([0-9]*\).*/\1 edges, \2 features/p' "$log" | tail -1)
echo "fuzz: ${execs:-?} executions, ${rate:-?} exec/s, coverage ${cov:-?}"
if [ $rc -ne 0 ]; then
	tail -n 40 "$log"
	echo "fuzz: CRASH found (crash, leak or timeout; exit $rc):" \
		"$(sed -n 's/.*Test unit written to //p' "$log")"
	exit 1
fi
echo "fuzz: no crash found"
