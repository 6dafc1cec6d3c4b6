#!/usr/bin/env bash
# examples/demo/shadow-demo.sh — a fix that needs state, applied live under
# load (make demo-shadow).
#
# Run from anywhere after `make`. The demo server (examples/server) keeps
# one struct conn per open connection, with no room for anything but its
# socket. The fix (examples/server/conn-count.diff) adds a request "MINE":
# how many requests this connection has sent since the fix went live. The
# counter is a shadow variable (include/nonstop.h) attached to the live
# struct conn, since the struct cannot grow under open connections. The
# script builds v1 and v2, starts v1 under load (4 persistent connections),
# opens two connections of its own, applies the fix, shows that each
# connection, already open before the apply, counts on its own, request
# after request, reverts it (the fix's post-revert hook frees every
# counter: nonstop_shadow_free_all), applies it again (the counters start
# over) and reverts it, and checks that the load saw no failure.
# Exit 0 on success, 1 if any step fails or any request failed.
# DEMO_OUT (default build/shadow-demo) is where it builds; DEMO_LOAD_SECONDS
# (default 60) bounds the load.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"
NONSTOP=${NONSTOP:-build/nonstop}
OUT=${DEMO_OUT:-build/shadow-demo}
LOAD_SECONDS=${DEMO_LOAD_SECONDS:-60}
CONNS=4

DEMO_NAME="shadow demo"
. "$ROOT/examples/demo/lib.sh"

# on FD LINE: sends LINE on the open connection FD (3 or 4), prints the
# exchange, keeps the reply in $answer.
answer=""
on() {
	local fd=$1 line=$2
	printf '%s\n' "$line" >&"$fd" || die "cannot send '$line' on connection $fd"
	IFS= read -r -t 5 answer <&"$fd" || die "no reply to '$line' on connection $fd"
	echo "conn $fd> $line"
	echo "conn $fd< $answer"
}
# expect WANT: the last reply was WANT.
expect() {
	[ "$answer" = "$1" ] || die "expected '$1', got '$answer'"
}

[ -x "$NONSTOP" ] || die "$NONSTOP not found: run make first"
NONSTOP=$(cd "$(dirname "$NONSTOP")" && pwd)/$(basename "$NONSTOP")
CFLAGS="$($NONSTOP cflags) -O2 -std=gnu11 -Wall -Wextra -pthread -I$ROOT/include"
LIBNONSTOP="-L$ROOT/build -lnonstop -Wl,-rpath,$ROOT/build"

rm -rf "$OUT"
mkdir -p "$OUT/v1" "$OUT/v2"
OUT=$(cd "$OUT" && pwd)

step "Build server v1 and v2 (v1 + examples/server/conn-count.diff) with \`nonstop cflags\`"
run cp -r examples/server "$OUT/src-v1"
compile "$OUT/src-v1" "$OUT/v1"
run gcc -pthread -o "$OUT/v1/server" "$OUT"/v1/*.o $LIBNONSTOP
run cp -r examples/server "$OUT/src-v2"
echo "\$ (cd $OUT/src-v2 && patch -p1 < $ROOT/examples/server/conn-count.diff)"
(cd "$OUT/src-v2" && patch -p1 <"$ROOT/examples/server/conn-count.diff")
compile "$OUT/src-v2" "$OUT/v2"
run gcc -O2 -std=gnu11 -Wall -pthread -o "$OUT/client" examples/client/client.c

step "Start server v1 on an ephemeral port"
start_server "$OUT/v1/server"
echo "server pid $server_pid, port $port"

step "Load: $CONNS persistent connections sending 'WC hello  world' (at most $LOAD_SECONDS s)"
"$OUT/client" load "$port" "$LOAD_SECONDS" "$CONNS" "$OUT/load.txt" >"$OUT/load.log" 2>&1 &
load_pid=$!

step "Two connections of our own, open from before the fix: v1 has no MINE"
exec 3<>"/dev/tcp/127.0.0.1/$port" || die "cannot connect to port $port"
exec 4<>"/dev/tcp/127.0.0.1/$port" || die "cannot connect to port $port"
on 3 'WC one two'
expect 2
on 3 MINE
expect 'ERR unknown request'
on 4 MINE
expect 'ERR unknown request'

step "Build the patch, and what it changes"
run "$NONSTOP" build -o "$OUT/conn-count.nsp" --binary "$OUT/v1/server" "$OUT/v1" "$OUT/v2"
run "$NONSTOP" show "$OUT/conn-count.nsp"

step "Apply it under load (per-thread mode: no thread is stopped)"
run "$NONSTOP" apply "$server_pid" "$OUT/conn-count.nsp" || die "apply failed"

step "Each open connection counts its own requests, from the apply on"
on 3 MINE
expect mine=1
on 3 'WC three more words'
expect 3
on 3 MINE
expect mine=3
on 4 MINE
expect mine=1
on 3 MINE
expect mine=4
on 4 'STATS'
on 4 MINE
expect mine=3

step "A connection closed frees its counter (conn_close); a new one starts at 1"
exec 4>&-
exec 4<>"/dev/tcp/127.0.0.1/$port" || die "cannot connect to port $port"
on 4 MINE
expect mine=1
on 3 MINE
expect mine=5

step "Status, then revert: MINE is gone again; the post-revert hook freed the counters"
run "$NONSTOP" status "$server_pid"
run "$NONSTOP" revert "$server_pid" || die "revert failed"
on 3 MINE
expect 'ERR unknown request'
on 3 'WC one two'
expect 2

step "Apply again: the same connections count from 1 (nothing was left behind)"
run "$NONSTOP" apply "$server_pid" "$OUT/conn-count.nsp" || die "apply failed"
on 3 MINE
expect mine=1
on 4 MINE
expect mine=1
run "$NONSTOP" revert "$server_pid" || die "revert failed"
on 3 MINE
expect 'ERR unknown request'
exec 3>&- 4>&-

step "Stop the load"
stop_load
echo "load client: $result"
failed=$(grep -oE 'failed=[0-9]+' <<<"$result" | cut -d= -f2)

echo
if [ "$failed" != 0 ]; then
	echo "FAILED: $failed requests failed during the update"
	exit 1
fi
echo "OK: 0 failed requests; per-connection counters on live connections, applied and reverted without a restart"
