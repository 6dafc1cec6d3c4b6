# tests/lib/host.sh — many processes at once, for the host-wide commands
# (sourced by tests/lib.sh). Each copy of tests/cases/host's program writes
# what answer() returns into its own file every 10 ms.
#
#   host_start FILE CMD...           starts CMD (which writes FILE) in
#                                    the background (killed at the end of
#                                    the test); its PID in HPID
#   host_answer FILE                 what it last wrote
#   host_wait FILE WANT              waits (up to 4 s) until FILE says
#                                    WANT; fails otherwise

host_start() {
	local file=$1
	shift
	rm -f "$file"
	"$@" </dev/null >/dev/null 2>&1 &
	HPID=$!
	_TARGET_PIDS+=("$HPID")
	local i
	for i in $(seq 200); do
		[ -s "$file" ] && return 0
		sleep 0.02
	done
	fail "$* did not start"
}

host_answer() {
	cat "$1" 2>/dev/null
}

host_wait() {
	local i
	for i in $(seq 200); do
		[ "$(host_answer "$1")" = "$2" ] && return 0
		sleep 0.02
	done
	fail "$1 says '$(host_answer "$1")', expected '$2'"
}
