# examples/demo/lib.sh — what the demos share (sourced by demo.sh and
# shadow-demo.sh): printing their steps and commands, failing, building a
# version of the demo server, starting it, stopping the load, and cleaning
# up on exit. The sourcing script sets DEMO_NAME ("demo"), OUT (its build
# folder) and, before compile, CFLAGS.

server_pid=""
load_pid=""

# On exit, whatever happened: the load and the server go (the connections
# a demo holds on 3 and 4 first), and a failure says where the log is.
demo_cleanup() {
	local rc=$?
	exec 3>&- 4>&- 2>/dev/null || true
	[ -n "$load_pid" ] && kill "$load_pid" 2>/dev/null || true
	if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
		kill "$server_pid" 2>/dev/null || true
		for _ in $(seq 50); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$server_pid" 2>/dev/null || true
	fi
	[ -n "$load_pid" ] && wait "$load_pid" 2>/dev/null || true
	[ -n "$server_pid" ] && wait "$server_pid" 2>/dev/null || true
	if [ $rc != 0 ]; then
		echo
		echo "$DEMO_NAME FAILED (exit $rc)${server_pid:+; server log: $OUT/server.log}"
	fi
	exit $rc
}
trap demo_cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

step=0
step() {
	step=$((step + 1))
	echo
	echo "== $step. $*"
}
# run CMD...: echoes the command, then runs it.
run() {
	echo "\$ $*"
	"$@"
}
die() {
	echo "$DEMO_NAME: $*" >&2
	exit 1
}

# compile SRCDIR DESTDIR: compiles every .c of SRCDIR into DESTDIR (an
# absolute path), from inside SRCDIR by file name, so that both builds
# record the same file names (__FILE__, STT_FILE symbols).
compile() {
	local src=$1 dest=$2 f
	for f in "$src"/*.c; do
		f=$(basename "$f")
		echo "\$ (cd $src && gcc $CFLAGS -c $f -o $dest/${f%.c}.o)"
		(cd "$src" && gcc $CFLAGS -c "$f" -o "$dest/${f%.c}.o")
	done
}

# start_server BINARY: starts it on an ephemeral port (its log in
# $OUT/server.log); sets server_pid and port.
start_server() {
	echo "\$ $1 0 $OUT/port &"
	"$1" 0 "$OUT/port" >"$OUT/server.log" 2>&1 &
	server_pid=$!
	for _ in $(seq 50); do
		[ -s "$OUT/port" ] && break
		kill -0 "$server_pid" 2>/dev/null || die "the server did not start: $(cat "$OUT/server.log")"
		sleep 0.1
	done
	[ -s "$OUT/port" ] || die "the server wrote no port file within 5 s"
	port=$(cat "$OUT/port")
}

# stop_load: ends the load client (SIGTERM: it writes its result), and
# sets result to what it wrote in $OUT/load.txt.
stop_load() {
	echo "\$ kill -TERM $load_pid"
	kill -TERM "$load_pid" 2>/dev/null || true
	for _ in $(seq 50); do
		kill -0 "$load_pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -0 "$load_pid" 2>/dev/null && die "the load client did not finish"
	wait "$load_pid" || true
	load_pid=""
	[ -s "$OUT/load.txt" ] || die "the load client wrote no result: $(cat "$OUT/load.log")"
	result=$(cat "$OUT/load.txt")
}
