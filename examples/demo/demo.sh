#!/usr/bin/env bash
# examples/demo/demo.sh — live-patches a running, loaded server (make demo).
#
# Run from anywhere after `make`. Builds the demo server (examples/server)
# twice, v1 with the word-count bug and v2 with fix.diff applied, starts v1
# under load, and then, while the load keeps running:
#   builds the patch from the two builds, shows it, applies it (the fix is
#   live, the request counter goes on), shows status, reverts it (the bug is
#   back). The load client must see no failed request.
# Exit 0 on success, 1 if any step fails or any request failed.
# The load runs from before the apply until a second after the revert, when
# the demo stops it; DEMO_LOAD_SECONDS (default 60) bounds it in any case.
# NONSTOP: the nonstop to run (default build/nonstop); DEMO_INSTALLED=1
# builds the server with the installed nonstop.h and libnonstop.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"
NONSTOP=${NONSTOP:-build/nonstop}
OUT=${DEMO_OUT:-build/demo}
LOAD_SECONDS=${DEMO_LOAD_SECONDS:-60}
CONNS=4

DEMO_NAME=demo
. "$ROOT/examples/demo/lib.sh"

# ask LINE: sends one request to the server, prints the command and the
# reply, and keeps the reply in $answer.
answer=""
ask() {
	echo "\$ $OUT/client query $port '$1'"
	answer=$("$OUT/client" query "$port" "$1") || die "no reply to '$1'"
	echo "$answer"
}

[ -x "$NONSTOP" ] || die "$NONSTOP not found: run make first"
# The server links libnonstop: its loops pass update points (per-thread mode).
# DEMO_INSTALLED=1: nonstop.h and libnonstop as installed (pkg-config's
# nonstop.pc: make install, or the libnonstop-dev package), not this tree's.
if [ "${DEMO_INSTALLED:-0}" = 1 ]; then
	INCLUDE=$(pkg-config --cflags nonstop) || die "pkg-config knows no nonstop: install it first"
	LIBNONSTOP=$(pkg-config --libs nonstop)
else
	INCLUDE="-I$ROOT/include"
	LIBNONSTOP="-L$ROOT/build -lnonstop -Wl,-rpath,$ROOT/build"
fi
CFLAGS="$($NONSTOP cflags) -O2 -std=gnu11 -Wall -Wextra -pthread $INCLUDE"
# DEMO_AS_SHIPPED=1: the server as a program ships, without one update point
# (compiled out) and without libnonstop linked; it is started with
# LD_PRELOAD=libnonstop.so and NONSTOP_UPDATE_POINTS=waits, and its threads
# switch at their waits or asleep (docs/per-thread.md).
AS_SHIPPED=${DEMO_AS_SHIPPED:-0}
if [ "$AS_SHIPPED" = 1 ]; then
	CFLAGS="$CFLAGS -DNONSTOP_NO_UPDATE_POINTS"
	LIBNONSTOP=""
fi

rm -rf "$OUT"
mkdir -p "$OUT/v1" "$OUT/v2"
OUT=$(cd "$OUT" && pwd)

step "Build server v1 (the one with the bug) with \`nonstop cflags\` into $OUT/v1"
run cp -r examples/server "$OUT/src-v1"
compile "$OUT/src-v1" "$OUT/v1"
run gcc -pthread -o "$OUT/v1/server" "$OUT"/v1/*.o $LIBNONSTOP

step "Make v2: a copy of the sources with examples/server/fix.diff applied"
run cp -r examples/server "$OUT/src-v2"
echo "\$ (cd $OUT/src-v2 && patch -p1 < $ROOT/examples/server/fix.diff)"
(cd "$OUT/src-v2" && patch -p1 <"$ROOT/examples/server/fix.diff")
compile "$OUT/src-v2" "$OUT/v2"

step "Build the client"
run gcc -O2 -std=gnu11 -Wall -pthread -o "$OUT/client" examples/client/client.c

step "Start server v1 on an ephemeral port"
if [ "$AS_SHIPPED" = 1 ]; then
	echo "(as shipped: LD_PRELOAD=$ROOT/build/libnonstop.so NONSTOP_UPDATE_POINTS=waits)"
	export LD_PRELOAD="$ROOT/build/libnonstop.so" NONSTOP_UPDATE_POINTS=waits
	start_server "$OUT/v1/server"
	unset LD_PRELOAD NONSTOP_UPDATE_POINTS
else
	start_server "$OUT/v1/server"
fi
echo "server pid $server_pid, port $port, $(awk '/^Threads:/ {print $2}' /proc/$server_pid/status) threads"

step "Load: $CONNS persistent connections sending 'WC hello  world' until after the revert (at most $LOAD_SECONDS s)"
echo "\$ $OUT/client load $port $LOAD_SECONDS $CONNS $OUT/load.txt &"
"$OUT/client" load "$port" "$LOAD_SECONDS" "$CONNS" "$OUT/load.txt" >"$OUT/load.log" 2>&1 &
load_pid=$!
load_start=$SECONDS

step "The bug: 'hello  world' (two spaces) is not 3 words"
ask 'WC hello  world'
wrong=$answer
[ "$wrong" = 3 ] || die "expected the buggy answer 3, got '$wrong'"
ask STATS

step "Build the patch from the two builds"
run "$NONSTOP" build -o "$OUT/wc-fix.nsp" --binary "$OUT/v1/server" "$OUT/v1" "$OUT/v2"

step "What the patch changes"
run "$NONSTOP" show "$OUT/wc-fix.nsp"

step "Apply it to the running server (pid $server_pid), under load (the server runs libnonstop: per-thread mode, no thread is stopped)"
before=$("$OUT/client" query "$port" STATS)
echo "\$ $NONSTOP apply $server_pid $OUT/wc-fix.nsp"
apply_out=$("$NONSTOP" apply "$server_pid" "$OUT/wc-fix.nsp") || die "apply failed"
echo "$apply_out"
# How the threads switched: "paused N threads for X us" (stop-the-world)
# or "N threads switched by themselves ... no thread was stopped ..."
# (per-thread, the mode nonstop takes with libnonstop loaded).
switch_line() {
	grep -E 'paused [0-9]+ threads? for|switched .* by (themselves|itself)' <<<"$1" | head -n 1 || true
}
pause=$(switch_line "$apply_out")

step "The fix is live; the request counter went on (it was $before)"
ask 'WC hello  world'
right=$answer
[ "$right" = 2 ] || die "expected the fixed answer 2, got '$right'"
ask 'WC  hi'
ask STATS
after=$answer
[ "${after#served=}" -gt "${before#served=}" ] || die "the counter did not go on: $before, then $after"

step "Status of the server"
run "$NONSTOP" status "$server_pid"

sleep 1
step "Revert the patch"
echo "\$ $NONSTOP revert $server_pid"
revert_out=$("$NONSTOP" revert "$server_pid") || die "revert failed"
echo "$revert_out"
revert_pause=$(switch_line "$revert_out")
ask 'WC hello  world'
old=$answer
[ "$old" = 3 ] || die "expected the old answer 3 after revert, got '$old'"
run "$NONSTOP" status "$server_pid"

sleep 1
step "Stop the load client"
stop_load
[ $((SECONDS - load_start)) -lt "$LOAD_SECONDS" ] ||
	echo "(note: the load ended after $LOAD_SECONDS s, before the demo stopped it: part of the update ran without load)"

step "Result"
failed=$(grep -oE 'failed=[0-9]+' <<<"$result" | cut -d= -f2)
echo "load client:     $result"
echo "                 (old = buggy answers 3, new = fixed answers 2)"
echo "server:          $("$OUT/client" query "$port" STATS)"
echo "apply:           ${pause:-not reported}"
echo "revert:          ${revert_pause:-not reported}"

step "Stop the server"
echo "\$ kill -TERM $server_pid"
kill -TERM "$server_pid"
for _ in $(seq 50); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
wait "$server_pid" 2>/dev/null || true
server_pid=""
tail -n 1 "$OUT/server.log"

echo
if [ "$failed" != 0 ]; then
	echo "FAILED: $failed requests failed during the update"
	exit 1
fi
echo "OK: 0 failed requests; the server was updated and reverted without a restart"
