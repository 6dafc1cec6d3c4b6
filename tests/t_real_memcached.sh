# A real server under a real load: memcached 1.6.18 from Debian's source
# package, unmodified, built through its own ./configure && make with
# `nonstop cflags` (tests/real/memcached/setup.sh: fetched and built once,
# cached in build/real/memcached), runs with libnonstop preloaded and
# NONSTOP_UPDATE_POINTS=waits. While mcload (tests/real/memcached/mcload.c)
# keeps 4 connections busy with get/set/version on 1000 keys, the fix
# tests/real/memcached/version.diff (the answer to `version`) is built with
# `nonstop build --src --diff` on the tree as its make builds it (with
# memcached-debug, whose objects are left out), applied, and reverted: the
# answer changes, then comes back; the load sees no failed request, both
# answers on its connections, and every key intact; the server is the same process
# throughout and still runs, no thread of it stopped or traced.
#
# MEMCACHED_MODE=per-thread (default): apply and revert must use the
# per-thread mode and stop no thread but libnonstop's own (needs libnonstop
# to take memcached's epoll_wait and condition waits as update points).
# MEMCACHED_MODE=stop: apply --mode stop (stop-the-world; the per-thread
# assertions are skipped). `make real-memcached` runs this test alone.
# The first run fetches and builds memcached (apt-get: needs the network).
# timeout: 600
. "$TEST_LIB"

MODE=${MEMCACHED_MODE:-per-thread}
case $MODE in
per-thread) mode_opt=() ;;
stop) mode_opt=(--mode stop) ;;
*) fail "MEMCACHED_MODE must be per-thread or stop, not '$MODE'" ;;
esac
REAL=$TESTS/real/memcached
OLD_ANSWER="VERSION 1.6.18"
NEW_ANSWER="VERSION 1.6.18 (live-patched)"
CONNS=4
KEYS=1000
note "mode: $MODE"

# --- memcached, built once ------------------------------------------------------

setup_rc=0
timeout -k 5 480 bash "$REAL/setup.sh" >setup.out 2>setup.err || setup_rc=$?
sed 's/^/  setup| /' setup.err
[ $setup_rc = 0 ] || fail "cannot fetch or build memcached (setup.sh exit $setup_rc):" \
	"$(grep FAILED setup.err || tail -n 3 setup.err)"
tree=$(tail -n 1 setup.out)
[ -x "$tree/memcached" ] || fail "setup.sh printed '$tree', which holds no memcached"
gcc -O2 -std=gnu11 -Wall -Wextra -Werror -pthread -o mcload "$REAL/mcload.c" ||
	fail "cannot build mcload"

# mc ARGS...: mcload ask PORT ARGS (one request on a new connection).
mc() { ./mcload ask "$port" "$@"; }
# mc_stat NAME: the value of one line of `stats`.
mc_stat() { mc stats | sed -n "s/^STAT $1 //p"; }
# threads_not_stopped: no thread of memcached is stopped or traced.
threads_not_stopped() {
	local t st tracer
	for t in /proc/"$mcpid"/task/*; do
		st=$(sed 's/.*) //' "$t/stat" 2>/dev/null | cut -d' ' -f1) || continue
		case $st in T | t) fail "thread ${t##*/} ($(cat "$t/comm")) of memcached is stopped (state $st)" ;; esac
		tracer=$(awk '/^TracerPid:/ {print $2}' "$t/status" 2>/dev/null || echo 0)
		[ "${tracer:-0}" = 0 ] || fail "thread ${t##*/} of memcached is still traced by pid $tracer"
	done
}
# start_time PID: when the process started (field 22 of /proc/PID/stat).
start_time() { sed 's/.*) //' "/proc/$1/stat" | cut -d' ' -f20; }

# On a failure: what the load had seen and where memcached's threads were,
# before lib.sh's cleanup kills both.
mcpid=""
load_pid=""
report_on_failure() {
	local rc=$? t
	if [ $rc != 0 ] && [ -n "$load_pid" ] && kill -0 "$load_pid" 2>/dev/null; then
		kill -TERM "$load_pid" 2>/dev/null || true
		for _ in $(seq 50); do kill -0 "$load_pid" 2>/dev/null || break; sleep 0.1; done
		echo "# the load, stopped after the failure: $(cat load.out 2>/dev/null)"
		head -n 5 load.err 2>/dev/null || true
	fi
	if [ $rc != 0 ] && [ -n "$mcpid" ]; then
		if kill -0 "$mcpid" 2>/dev/null; then
			echo "# memcached (pid $mcpid) still runs; its threads (tid, name, state, wait channel):"
			for t in /proc/"$mcpid"/task/*; do
				echo "#   ${t##*/} $(cat "$t/comm" 2>/dev/null) $(sed 's/.*) //' "$t/stat" 2>/dev/null | cut -d' ' -f1) $(cat "$t/wchan" 2>/dev/null)"
			done
		else
			echo "# memcached (pid $mcpid) is gone: $(tail -n 3 memcached.err 2>/dev/null)"
		fi
	fi
	_cleanup
	exit $rc
}
trap report_on_failure EXIT

# --- the patch (it needs no server) --------------------------------------------------

# The tree's own make, which also builds memcached-debug from the same
# sources (memcached_debug-*.o, with gcov counters) and the test programs:
# only the objects linked into memcached are compared (-v names the others).
[ -x "$tree/memcached-debug" ] || fail "setup.sh built no memcached-debug beside memcached"
NONSTOP_CMD_TIMEOUT=300 expect_exit 0 nice -n 10 "$NONSTOP" build -v -o fix.nsp \
	--src "$tree" --diff "$REAL/version.diff" --binary memcached
expect_stdout_match '^rebuilding: 2 objects changed$'
expect_stdout_match '^memcached_debug-proto_text\.o: not linked into .*/memcached \(.*\), left out$'
expect_stdout_no_match '^memcached-proto_text\.o: .*left out'
expect_stdout_match '^wrote fix\.nsp: [1-9][0-9]* functions? replaced, 0 added, 0 variables added$'
"$NONSTOP" show --json fix.nsp >show.json || fail "nonstop show --json fix.nsp failed"
# The function the fix changes, or the one the compiler inlined it into.
jq -r '.entries[] | "\(.kind) \(.name)"' show.json >entries.txt
note "the patch: $(paste -sd, entries.txt)"
[ -s entries.txt ] || fail "the patch has no entry"
while IFS= read -r e; do
	[[ $e =~ ^replace\ process_(version_command|command_ascii)(\.[a-z]+\.[0-9]+)*$ ]] ||
		fail "unexpected entry in the patch: '$e' (all: $(paste -sd, entries.txt))"
done <entries.txt

# --- the server ------------------------------------------------------------------------

# -p -1: an ephemeral port, which memcached writes to $MEMCACHED_PORT_FILENAME.
# memcached refuses to run as root without -u.
user_opt=()
[ "$(id -u)" = 0 ] && user_opt=(-u root)
MEMCACHED_PORT_FILENAME=$PWD/port LD_PRELOAD=$ROOT/build/libnonstop.so \
	NONSTOP_UPDATE_POINTS=waits \
	"$tree/memcached" "${user_opt[@]}" -l 127.0.0.1 -p -1 -U 0 -t 4 -m 64 \
	>memcached.out 2>memcached.err &
mcpid=$!
_TARGET_PIDS+=("$mcpid")
for _ in $(seq 100); do
	[ -s port ] && break
	kill -0 "$mcpid" 2>/dev/null || fail "memcached exited at start: $(cat memcached.err)"
	sleep 0.05
done
port=$(sed -n 's/^TCP INET: //p' port)
[ -n "$port" ] || fail "memcached wrote no port within 5 s: $(cat port memcached.err 2>/dev/null)"
start0=$(start_time "$mcpid")
note "memcached pid $mcpid on 127.0.0.1:$port, $(ls /proc/$mcpid/task | wc -l) threads:" \
	"$(cat /proc/$mcpid/task/*/comm | sort | uniq -c | awk '{print $2 "*" $1}' | paste -sd' ')"
grep -q "$ROOT/build/libnonstop.so" "/proc/$mcpid/maps" || fail "libnonstop is not loaded in memcached"
rt_tid=$(grep -l '^nonstop-rt$' /proc/"$mcpid"/task/*/comm | head -n 1 | cut -d/ -f5)
[ -n "$rt_tid" ] || fail "no thread named nonstop-rt in memcached"
expect_eq "$OLD_ANSWER" "$(mc version)" "version before apply"
expect_eq "$mcpid" "$(mc_stat pid)" "the pid memcached reports"

# --- under load: apply, revert ------------------------------------------------------------

./mcload run -c $CONNS -k $KEYS -d 60 -V "$OLD_ANSWER" -V "$NEW_ANSWER" "$port" \
	>load.out 2>load.err &
load_pid=$!
_TARGET_PIDS+=("$load_pid")
sleep 1
kill -0 "$load_pid" 2>/dev/null || fail "the load ended at start: $(cat load.out load.err)"

expect_exit 0 "$NONSTOP" apply --json --timeout 10 ${mode_opt[@]+"${mode_opt[@]}"} "$mcpid" fix.nsp
if [ "$MODE" = per-thread ]; then
	expect_eq per-thread "$(jq -r .mode last.out)" "apply's mode"
	expect_eq "[$rt_tid]" "$(jq -c .stopped_threads last.out)" "threads apply stopped (libnonstop's own only)"
	expect_eq false "$(jq -r .pending last.out)" "apply left the transition pending"
else
	expect_eq stop-the-world "$(jq -r .mode last.out)" "apply's mode"
fi
note "apply: $(jq -c 'del(.hooks)' last.out)"
expect_eq "$NEW_ANSWER" "$(mc version)" "version after apply (the fix is live)"
expect_exit 0 "$NONSTOP" status "$mcpid"
expect_stdout_match '^ *1\. fix +\[applied'
# The load's persistent connections see the fixed answer too.
sleep 1

expect_exit 0 "$NONSTOP" revert --json --timeout 10 "$mcpid"
if [ "$MODE" = per-thread ]; then
	expect_eq per-thread "$(jq -r .mode last.out)" "revert's mode"
	expect_eq "[$rt_tid]" "$(jq -c .stopped_threads last.out)" "threads revert stopped (libnonstop's own only)"
fi
note "revert: $(jq -c 'del(.hooks)' last.out)"
expect_eq "$OLD_ANSWER" "$(mc version)" "version after revert (the old answer is back)"
expect_exit 0 "$NONSTOP" status "$mcpid"
expect_stdout_match 'no patches applied'

sleep 1
kill -0 "$load_pid" 2>/dev/null ||
	fail "the load ended before the revert was done: $(cat load.out load.err)"
kill -TERM "$load_pid"
load_rc=0
wait "$load_pid" || load_rc=$?
load_pid=""
cat load.err
result=$(cat load.out)
note "load: $result"
[ -n "$result" ] || fail "the load wrote no result (exit $load_rc)"
field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<" $result"; }
[ "$(field requests)" -gt $((KEYS + 1000)) ] || fail "the load did too few requests: $result"
expect_eq 0 "$(field failed)" "failed requests"
expect_eq "$KEYS/$KEYS" "$(field keys_ok)" "keys intact at the end"
[ "$(field answer0)" -gt 0 ] || fail "the load never saw the old answer: $result"
[ "$(field answer1)" -gt 0 ] || fail "the load never saw the fixed answer on its connections: $result"
note "ok: the load saw both answers ($(field answer0) old, $(field answer1) fixed)"
expect_eq 0 "$load_rc" "mcload's exit status"

# --- the same server, still running ------------------------------------------------------------

kill -0 "$mcpid" 2>/dev/null || fail "memcached died: $(tail -n 5 memcached.err)"
expect_eq "$start0" "$(start_time "$mcpid")" "memcached's start time (the same process)"
expect_eq "$mcpid" "$(mc_stat pid)" "the pid memcached reports at the end"
threads_not_stopped
note "ok: memcached (pid $mcpid) runs, no thread stopped or traced"
grep -q 'nonstop:' "/proc/$mcpid/maps" && fail "patch memory left in memcached: $(grep nonstop: "/proc/$mcpid/maps")"
kill -TERM "$mcpid"
for _ in $(seq 50); do kill -0 "$mcpid" 2>/dev/null || break; sleep 0.1; done
kill -0 "$mcpid" 2>/dev/null && fail "memcached did not stop on SIGTERM"
note "memcached stopped on SIGTERM"
