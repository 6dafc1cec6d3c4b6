# bench/lib.sh — what the benchmarks on the demo server share (sourced by
# bench/run.sh and bench/latency.sh): building the server v1 and v2, the
# patch and the client, starting the server, and stopping what was started.
#
# After sourcing: ROOT (the repository, also the working directory), NONSTOP,
# die, and the cleanup trap, which kills $load_pid and $server_pid if set.

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
NONSTOP=${NONSTOP:-build/nonstop}

server_pid=""
load_pid=""
bench_cleanup() {
	local rc=$?
	[ -n "$load_pid" ] && kill -KILL "$load_pid" 2>/dev/null || true
	[ -n "$server_pid" ] && kill -KILL "$server_pid" 2>/dev/null || true
	[ -n "$load_pid" ] && wait "$load_pid" 2>/dev/null || true
	[ -n "$server_pid" ] && wait "$server_pid" 2>/dev/null || true
	exit $rc
}
trap bench_cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
die() {
	echo "bench: $*" >&2
	exit 1
}

# bench_build OUT: builds, quietly and as examples/demo/demo.sh does, the
# demo server v1 (OUT/v1/server, with the bug) and the objects of v2
# (examples/server/fix.diff applied), the patch between them
# (OUT/wc-fix.nsp) and the client (OUT/client). OUT is emptied first.
# With a second argument "as-shipped", the server as a program ships: every
# update point compiled out (-DNONSTOP_NO_UPDATE_POINTS), libnonstop not
# linked (bench_start_server then preloads it, with
# NONSTOP_UPDATE_POINTS=waits).
bench_build() {
	local out=$1 v f cflags libnonstop
	[ -x "$NONSTOP" ] || die "$NONSTOP not found: run make first"
	cflags="$($NONSTOP cflags) -O2 -std=gnu11 -Wall -Wextra -pthread -I$ROOT/include"
	# The server links libnonstop: its loops pass update points (per-thread mode).
	libnonstop="-L$ROOT/build -lnonstop -Wl,-rpath,$ROOT/build"
	if [ "${2:-}" = as-shipped ]; then
		cflags="$cflags -DNONSTOP_NO_UPDATE_POINTS"
		libnonstop=""
	fi
	rm -rf "$out"
	mkdir -p "$out/v1" "$out/v2"
	cp -r examples/server "$out/src-v1"
	cp -r examples/server "$out/src-v2"
	(cd "$out/src-v2" && patch -s -p1 <"$ROOT/examples/server/fix.diff")
	for v in v1 v2; do
		for f in "$out/src-$v"/*.c; do
			f=$(basename "$f")
			# From inside the source copy, by file name: both builds
			# record the same file names (__FILE__, STT_FILE symbols).
			(cd "$out/src-$v" && gcc $cflags -c "$f" -o "../$v/${f%.c}.o")
		done
	done
	gcc -pthread -o "$out/v1/server" "$out"/v1/*.o $libnonstop
	gcc -O2 -std=gnu11 -Wall -Wextra -Werror -pthread -o "$out/client" \
		examples/client/client.c
	"$NONSTOP" build -o "$out/wc-fix.nsp" --binary "$out/v1/server" \
		"$out/v1" "$out/v2" >/dev/null || die "nonstop build failed"
}

# bench_start_server OUT [as-shipped]: starts OUT/v1/server on an ephemeral
# port (log in OUT/server.log); sets server_pid and port. As shipped: with
# LD_PRELOAD=libnonstop.so and NONSTOP_UPDATE_POINTS=waits.
bench_start_server() {
	local out=$1
	if [ "${2:-}" = as-shipped ]; then
		LD_PRELOAD="$ROOT/build/libnonstop.so" NONSTOP_UPDATE_POINTS=waits \
			"$out/v1/server" 0 "$out/port" >"$out/server.log" 2>&1 &
	else
		"$out/v1/server" 0 "$out/port" >"$out/server.log" 2>&1 &
	fi
	server_pid=$!
	for _ in $(seq 50); do
		[ -s "$out/port" ] && break
		kill -0 "$server_pid" 2>/dev/null ||
			die "the server did not start: $(cat "$out/server.log")"
		sleep 0.1
	done
	[ -s "$out/port" ] || die "the server wrote no port file within 5 s"
	port=$(cat "$out/port")
}

# bench_stop_load [SECONDS]: ends the load client with SIGTERM (it then
# writes its result) and waits for it, at most SECONDS (default 5) before
# killing it.
bench_stop_load() {
	kill -TERM "$load_pid" 2>/dev/null || true
	for _ in $(seq $((${1:-5} * 10))); do
		kill -0 "$load_pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$load_pid" 2>/dev/null || true
	wait "$load_pid" 2>/dev/null || true
	load_pid=""
}

# bench_threads PID: the number of threads of PID.
bench_threads() {
	awk '/^Threads:/ {print $2}' "/proc/$1/status"
}
