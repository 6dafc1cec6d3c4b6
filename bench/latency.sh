#!/usr/bin/env bash
# bench/latency.sh — the request latency of a loaded server before, during
# and after an apply and a revert, in both modes (part of make bench).
#
# Builds the demo server v1/v2 and the patch (bench/lib.sh), starts v1 (4
# worker threads, and a thread per connection) and puts it under the
# latency load: CONNS connections in a closed loop, every request's
# latency recorded with its completion time (`client latency`). Then, for
# each mode (stop-the-world, per-thread), CYCLES times:
#     1 s baseline, apply, 1 s, revert, 1 s
# each command bracketed by `client now` (CLOCK_MONOTONIC, the records'
# clock). Then a control under the same load: the same cycles with no
# update, each command replaced by a sleep as long as the per-thread
# command took (median), so that its "during" / "before" ratio shows how
# much of a mode's ratio is the machine's own noise. bench/latency/report.c computes p50/p99/p99.9 before, during and
# after the commands (see there), bench/latency/plot.c draws the p99.9 of
# every 100 ms window; this script adds what nonstop itself reports: how
# long it stopped which threads, and in per-thread mode when the threads
# switched (apply --json; status --json right after each apply), and the
# time and CPU time each command took.
#
# Prints the tables. Writes them, the method (bench/latency/BENCHMARKS.md.in)
# and the plot into build/bench-latency/BENCHMARKS.md and bench-latency.svg;
# with BENCH_DOCS=1 also into docs/ (docs/BENCHMARKS.md, docs/bench-latency.svg).
#   BENCH_CYCLES (default 5)   BENCH_CONNS (default 4)   BENCH_DOCS (default 0)
# Exit 1 if a command fails or a request fails or gets a wrong answer.
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
OUT=build/bench-latency
CYCLES=${BENCH_CYCLES:-5}
CONNS=${BENCH_CONNS:-4}
DOCS=${BENCH_DOCS:-0}
MODES="stop per-thread"

[[ $CYCLES =~ ^[1-9][0-9]?$ ]] || die "BENCH_CYCLES must be 1..99, not '$CYCLES'"
[[ $CONNS =~ ^[1-9][0-9]*$ ]] || die "BENCH_CONNS must be a number of connections, not '$CONNS'"

bench_build "$OUT"
for p in report plot; do
	gcc -O2 -std=gnu11 -Wall -Wextra -Werror -Iexamples/client \
		-o "$OUT/$p" "bench/latency/$p.c" -lm
done
client=$OUT/client
bench_start_server "$OUT"

# label MODE: the name the tables and the plot give it.
label() {
	case $1 in
	stop) echo stop-the-world ;;
	idle) echo control ;;	# (no spaces: a word of windows.tsv)
	*) echo "$1" ;;
	esac
}
# The control's sleeps (s), set once the per-thread mode has run.
idle_apply=0
idle_revert=0

# timed KIND EVENTS OUTFILE CMD...: runs the nonstop command CMD, its JSON
# appended to OUTFILE, "KIND START END" (CLOCK_MONOTONIC ns) to EVENTS and
# the CPU time it used (user + system, ms) to OUTFILE.cpu.
timed() {
	local kind=$1 events=$2 outfile=$3 t0 t1 rc=0 TIMEFORMAT='%3U %3S'
	shift 3
	t0=$("$client" now)
	{ time "$@" >"$OUT/cmd.out" 2>&1; } 2>"$OUT/cmd.cpu" || rc=$?
	t1=$("$client" now)
	[ $rc = 0 ] || die "$kind failed: $(cat "$OUT/cmd.out")"
	echo "$kind $t0 $t1" >>"$events"
	cat "$OUT/cmd.out" >>"$outfile"
	awk '{printf "%.1f\n", ($1 + $2) * 1000}' "$OUT/cmd.cpu" >>"$outfile.cpu"
}

# measure MODE: the cycles of one mode under a fresh latency load.
measure() {
	local mode=$1 o=$OUT/$1 result
	: >"$o.events"; : >"$o.apply"; : >"$o.revert"; : >"$o.status"
	: >"$o.apply.cpu"; : >"$o.revert.cpu"
	# The load's own bound, far beyond what the cycles take.
	"$client" latency "$port" $((CYCLES * 10 + 30)) "$CONNS" "$o.lat" >"$o.load" 2>&1 &
	load_pid=$!
	sleep 0.5	# every connection open and busy
	echo "start $("$client" now)" >>"$o.events"
	for _ in $(seq "$CYCLES"); do
		sleep 1
		if [ "$mode" = idle ]; then
			timed apply "$o.events" "$o.apply" sleep "$idle_apply"
			sleep 1
			timed revert "$o.events" "$o.revert" sleep "$idle_revert"
			sleep 1
			continue
		fi
		timed apply "$o.events" "$o.apply" \
			"$NONSTOP" apply --json --mode "$mode" "$server_pid" "$OUT/wc-fix.nsp"
		"$NONSTOP" status --json "$server_pid" >>"$o.status" || die "status failed"
		sleep 1
		timed revert "$o.events" "$o.revert" "$NONSTOP" revert --json "$server_pid"
		sleep 1
	done
	echo "end $("$client" now)" >>"$o.events"
	bench_stop_load 60	# it writes its records when it ends
	result=$(cat "$o.load")
	grep -q ' failed=0 ' <<<"$result" || die "$mode: requests failed: $result"
	grep -q ' dropped=0' <<<"$result" || die "$mode: records dropped: $result"
	if [ "$mode" = idle ]; then
		echo "$result" >"$o.result"
		return
	fi
	grep -qE ' old=[1-9]' <<<"$result" && grep -qE ' new=[1-9]' <<<"$result" ||
		die "$mode: the load did not see both versions answer: $result"
	grep -qv "\"mode\":\"$(label "$mode")\"" "$o.apply" &&
		die "$mode: an apply ran in another mode: $(cat "$o.apply")"
	echo "$result" >"$o.result"
}

# field NAME: the numbers of "NAME":N (or "NAME":[N]) in stdin, one a line.
field() { sed -n "s/.*\"$1\":\[\{0,1\}\([0-9.]*\).*/\1/p"; }
median() { sort -g | awk '{v[NR]=$1} END {if (!NR) print "-"; else printf "%.1f\n", NR%2 ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'; }
maximum() { sort -g | tail -n 1 | grep . || echo -; }
# durations KIND EVENTS: each command's time in ms.
durations() { awk -v k="$1" '$1 == k {printf "%.1f\n", ($3 - $2) / 1e6}' "$2"; }
# us_to_ms: µs values in stdin as ms, one decimal.
us_to_ms() { awk '{printf "%.1f\n", $1 / 1000}'; }
# delay_ranks STATUSFILE: the switch_delay_us of the threads that serve the
# program (not libnonstop's), fastest first, for each status (one a line);
# then, for each rank, its median over the statuses: "4 6 13 ... 44026".
delay_ranks() {
	awk '
	function sort(a, n,   i, j, x) {	# insertion sort: a few values
		for (i = 2; i <= n; i++)
			for (j = i; j > 1 && a[j - 1] > a[j]; j--) { x = a[j]; a[j] = a[j - 1]; a[j - 1] = x }
	}
	{
		n = 0
		m = split($0, t, /\{"tid":/)
		for (i = 2; i <= m; i++)
			if (t[i] ~ /"runtime":false/ && match(t[i], /"switch_delay_us":[0-9.]+/))
				d[++n] = substr(t[i], RSTART + 18, RLENGTH - 18) + 0
		sort(d, n)
		if (!lines++ || n < ranks) ranks = n
		for (i = 1; i <= n; i++) v[lines, i] = d[i]
	}
	END {
		for (r = 1; r <= ranks; r++) {
			for (l = 1; l <= lines; l++) c[l] = v[l, r]
			sort(c, lines)
			printf "%s%.0f", (r > 1 ? " " : ""), (lines % 2 ? c[(lines + 1) / 2] : (c[lines / 2] + c[lines / 2 + 1]) / 2)
		}
		print ""
	}' "$1"
}
# readable_us: the µs values in stdin as "4 µs, 6 µs, ..., 5.7 ms".
readable_us() {
	awk '{ for (i = 1; i <= NF; i++)
		printf "%s%s", (i > 1 ? ", " : ""), ($i < 1000 ? sprintf("%d µs", $i) : sprintf("%.1f ms", $i / 1000))
	       print "" }'
}
# runtime_tids STATUSFILE: the tid of libnonstop's thread in each status.
runtime_tids() { grep -oE '"tid":[0-9]+,"name":"[^"]*","runtime":true' "$1" | field tid; }

# The table of stops and switches, from nonstop's own reports.
stops_table() {
	local s=$OUT/stop p=$OUT/per-thread threads stopped rt longest
	threads=$(field threads <"$s.apply" | maximum)
	stopped=$(cat "$p.apply" "$p.revert" | field stopped_threads | sort -u | tr '\n' ' ')
	rt=$(runtime_tids "$p.status" | sort -u | tr '\n' ' ')
	if [ "$stopped" = "$rt" ]; then
		stopped="1: libnonstop's own (\`nonstop-rt\`)"
	else
		stopped="tids $stopped(libnonstop's: $rt)"
	fi
	echo "| over $CYCLES cycle$([ "$CYCLES" = 1 ] || echo s) | stop-the-world | per-thread |"
	echo "|---|--:|--:|"
	echo "| apply: command time, median (ms) | $(durations apply "$s.events" | median) | $(durations apply "$p.events" | median) |"
	echo "| revert: command time, median (ms) | $(durations revert "$s.events" | median) | $(durations revert "$p.events" | median) |"
	echo "| apply: CPU time of nonstop, median (ms) | $(median <"$s.apply.cpu") | $(median <"$p.apply.cpu") |"
	echo "| revert: CPU time of nonstop, median (ms) | $(median <"$s.revert.cpu") | $(median <"$p.revert.cpu") |"
	echo "| threads nonstop stops | all ($threads) | $stopped |"
	echo "| apply: pause of every thread, median / max (µs) | $(field pause_us <"$s.apply" | median) / $(field pause_us <"$s.apply" | maximum) | none |"
	echo "| revert: pause of every thread, median / max (µs) | $(field pause_us <"$s.revert" | median) / $(field pause_us <"$s.revert" | maximum) | none |"
	echo "| apply: one thread stopped to map the patch, median / max (µs) | $(field load_stop_us <"$s.apply" | median) / $(field load_stop_us <"$s.apply" | maximum) (the main thread) | $(field load_stop_us <"$p.apply" | median) / $(field load_stop_us <"$p.apply" | maximum) (libnonstop's) |"
	# The longest stop of any attempt (an apply retries while a replaced
	# function is busy), and each revert's.
	longest=$( (field max_pause_us <"$s.apply"; field pause_us <"$s.revert") | maximum)
	echo "| **longest stop of a worker thread** | **$longest µs** | **none: no worker was stopped** |"
	echo "| apply: first / last thread switched, median (ms) | – | $(field first_switch_us <"$p.apply" | us_to_ms | median) / $(field switch_us <"$p.apply" | us_to_ms | median) |"
	echo "| revert: first / last thread switched, median (ms) | – | $(field first_switch_us <"$p.revert" | us_to_ms | median) / $(field switch_us <"$p.revert" | us_to_ms | median) |"
	echo "| apply: each thread's own switch delay, fastest to slowest, median over cycles | – | $(delay_ranks "$p.status" | readable_us) |"
}

# tail_per_command MODE: how many requests the p99.9 of MODE's *during*
# class looks at (its slowest 0.1%), per command.
tail_per_command() {
	awk -F'|' -v m=" $1 " -v cmds=$((2 * CYCLES)) \
		'$2 == m && $3 == " during " {printf "%.0f\n", $4 / 1000 / cmds}' "$OUT/latency.md"
}

# write_doc: BENCHMARKS.md from its template, the tables and this run.
write_doc() {
	local machine commit
	machine="$(nproc) cores, $(sed -n 's/^model name[[:space:]]*: *//p' /proc/cpuinfo | head -n 1), Linux $(uname -r), load average $(cut -d' ' -f1-3 /proc/loadavg) at the end"
	if commit=$(git rev-parse --short HEAD 2>/dev/null); then
		git diff --quiet HEAD -- src lib bench examples || commit="$commit, modified"
	else
		commit="unknown: not a git checkout"
	fi
	awk -v latency="$OUT/latency.md" -v stops="$OUT/stops.md" \
	    -v pause="build/bench-threads/pause.md" -v pause_runs="${BENCH_RUNS:-5}" \
	    -v host="build/bench-host/host.md" \
	    -v ptrace="build/bench-ptrace/ptrace.md" \
	    -v machine="$machine" -v commit="$commit" -v date="$(date -u +%Y-%m-%d)" \
	    -v cycles="$CYCLES" -v conns="$CONNS" \
	    -v threads="$(field threads <"$OUT/stop.apply" | maximum)" \
	    -v slow_stop="$(tail_per_command stop-the-world)" \
	    -v slow_pt="$(tail_per_command per-thread)" '
	function put(s) { gsub(/&/, "\\\\&", s); return s }
	$0 == "@LATENCY@" { while ((getline l < latency) > 0) print l; next }
	$0 == "@STOPS@" { while ((getline l < stops) > 0) print l; next }
	$0 == "@PAUSE@" { if ((getline l < pause) <= 0) print "(not measured: run `make bench`)"; else { print l; while ((getline l < pause) > 0) print l }; next }
	$0 == "@PTRACE@" { if ((getline l < ptrace) <= 0) print "(not measured: run `make bench`)"; else { print l; while ((getline l < ptrace) > 0) print l }; next }
	$0 == "@HOST@" { if ((getline l < host) <= 0) print "(not measured: run `make bench`)"; else { print l; while ((getline l < host) > 0) print l }; next }
	{
		gsub(/@MACHINE@/, put(machine)); gsub(/@COMMIT@/, put(commit))
		gsub(/@DATE@/, put(date)); gsub(/@CYCLES@/, put(cycles))
		gsub(/@CONNS@/, put(conns)); gsub(/@THREADS@/, put(threads))
		gsub(/@SLOW_STOP@/, put(slow_stop)); gsub(/@SLOW_PT@/, put(slow_pt))
		gsub(/@PAUSE_RUNS@/, put(pause_runs))
		print
	}' bench/latency/BENCHMARKS.md.in >"$OUT/BENCHMARKS.md"
}

echo "nonstop bench: latency of the demo server (pid $server_pid) under $CONNS closed-loop connections, $CYCLES apply/revert cycles per mode"
for mode in $MODES; do
	measure "$mode"
done
idle_apply=$(durations apply "$OUT/per-thread.events" | median | awk '{printf "%.3f", $1 / 1000}')
idle_revert=$(durations revert "$OUT/per-thread.events" | median | awk '{printf "%.3f", $1 / 1000}')
measure idle
args=()
for mode in $MODES idle; do
	args+=("$(label "$mode")" "$OUT/$mode.lat" "$OUT/$mode.events")
done
"$OUT/report" "$OUT/windows.tsv" "${args[@]}" >"$OUT/latency.md" || die "report failed"
"$OUT/plot" "$OUT/windows.tsv" "$OUT/bench-latency.svg" || die "plot failed"
stops_table >"$OUT/stops.md"
write_doc

echo
cat "$OUT/latency.md"
echo
cat "$OUT/stops.md"
echo
for mode in $MODES idle; do echo "load, $(label "$mode"): $(cat "$OUT/$mode.result")"; done
echo
if [ "$DOCS" = 1 ]; then
	mkdir -p docs
	cp "$OUT/BENCHMARKS.md" docs/BENCHMARKS.md
	cp "$OUT/bench-latency.svg" docs/bench-latency.svg
	echo "written: docs/BENCHMARKS.md, docs/bench-latency.svg"
else
	echo "written: $OUT/BENCHMARKS.md, $OUT/bench-latency.svg (BENCH_DOCS=1: into docs/)"
fi
