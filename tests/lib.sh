# tests/lib.sh — helpers for the tests; every tests/t_*.sh sources it.
#
# A test runs in a fresh temporary directory (tests/run.sh makes it) with
#   NONSTOP  the tool under test      CASES  tests/cases
# and follows the same shape:
#
#   . "$TEST_LIB"
#   build_case global_func            # v1/ and v2/ objects, v1/prog
#   make_patch fix.nsp                # nonstop build -o fix.nsp --binary v1/prog v1 v2
#   start_target v1/prog              # stdin on a FIFO, stdout to target.out
#   expect_eq 6 "$(ask call 5)"
#   expect_exit 0 "$NONSTOP" apply "$TPID" fix.nsp
#
# Target programs (tests/cases/*/v1/*.c) read one command a line on stdin,
# answer exactly one line each on stdout (line-buffered), and print "ready"
# when they have started (the request loop of tests/cases/include/fixture.h).
# They spend most of their life blocked in read().
#
# Assertions print what was expected and what was seen, then end the test
# with exit 1; run.sh shows the end of the output of a failing test.

set -euo pipefail
# A write to the FIFO of a target that died must fail, not kill the test.
trap '' PIPE

: "${NONSTOP:?run the tests through tests/run.sh}"
: "${CASES:?run the tests through tests/run.sh}"
# How long one nonstop command may take before the test calls it hung.
NONSTOP_CMD_TIMEOUT=${NONSTOP_CMD_TIMEOUT:-60}

TPID=""			# pid of the target started by start_target
_TARGET_PIDS=()
_TARGET_OUT=""

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

note() {
	echo "# $*"
}

# --- building ---------------------------------------------------------------

# The flags a case is compiled with: nonstop's, then the test's own. A case
# may include nonstop.h (its shadow variables and a patch's hooks need no
# library); its main.c includes fixture.h (tests/cases/include: the
# request loop every target shares). CASE_OPT (default -O2) is the
# optimisation level.
case_cflags() {
	local cf
	cf=$("$NONSTOP" cflags) || fail "nonstop cflags failed"
	echo "$cf ${CASE_OPT:--O2} -std=gnu11 -Wall -pthread -I$ROOT/include -I$CASES/include"
}

# compile_dir SRCDIR OBJDIR [EXTRA_CFLAGS...]
# Compiles every SRCDIR/*.c into OBJDIR/*.o with $(nonstop cflags). Sources
# are compiled from inside SRCDIR by their base name, so __FILE__ and the
# STT_FILE symbols are the same for the v1 and v2 builds. CASE_CC (default
# gcc) is the compiler; it links too (link_dir).
compile_dir() {
	local src=$1 obj=$2 f
	shift 2
	mkdir -p "$obj"
	obj=$(cd "$obj" && pwd)
	local cflags
	cflags=$(case_cflags)
	for f in "$src"/*.c; do
		f=$(basename "$f")
		# shellcheck disable=SC2086
		(cd "$src" && "${CASE_CC:-gcc}" $cflags "$@" -c "$f" -o "$obj/${f%.c}.o") ||
			fail "cannot compile $src/$f"
	done
}

# link_dir OBJDIR OUT [EXTRA_LDFLAGS...]: links OBJDIR/*.o into OUT.
link_dir() {
	local obj=$1 out=$2
	shift 2
	"${CASE_CC:-gcc}" -pthread -o "$out" "$obj"/*.o "$@" || fail "cannot link $out"
}

# build_case CASE [--no-pie|--pie]
# Compiles $CASES/CASE/v1 into ./v1 and the new version into ./v2, and links
# ./v1/prog (the program the tests run) and ./v2/prog. A case's v2/ holds
# only the files the new version changes or adds; the others are v1's, as
# in a source tree where a fix touches a few files.
# --no-pie builds with -fno-pie -no-pie; --pie forces -fpie -pie;
# --libnonstop links the programs with build/libnonstop.so (per-thread mode),
# even one that only refers to it weakly.
# OUT=dir puts the object dirs under dir instead of the current directory.
build_case() {
	local case=$1 mode=${2:-} out=${OUT:-.}
	local cflags=() ldflags=()
	case $mode in
	"") ;;
	--no-pie) cflags=(-fno-pie); ldflags=(-no-pie) ;;
	--pie) cflags=(-fpie); ldflags=(-pie) ;;
	--libnonstop)
		cflags=(-I"$ROOT/include")
		ldflags=(-L"$ROOT/build" -Wl,--no-as-needed -lnonstop -Wl,-rpath,"$ROOT/build") ;;
	*) fail "build_case: unknown option $mode" ;;
	esac
	[ -d "$CASES/$case/v1" ] || fail "no such case: $case"
	local v src
	for v in v1 v2; do
		[ -d "$CASES/$case/$v" ] || continue
		src="$out/src-$v"
		mkdir -p "$src"
		cp "$CASES/$case/v1"/*.c "$src"/
		cp "$CASES/$case/$v"/*.c "$src"/
		compile_dir "$src" "$out/$v" ${cflags[@]+"${cflags[@]}"}
		link_dir "$out/$v" "$out/$v/prog" ${ldflags[@]+"${ldflags[@]}"}
	done
}

# each_compiler CASE CHECK: builds CASE (build_case) with gcc and with
# clang (skipped if not installed), each at -O0 and at -O2, into ./CC-OPT
# (gcc-O0, ...), and after each build runs CHECK CC-OPT.
each_compiler() {
	local case=$1 check=$2 cc opt
	for cc in gcc clang; do
		command -v $cc >/dev/null || { note "no $cc, skipped"; continue; }
		for opt in -O0 -O2; do
			note "--- $cc $opt"
			CASE_CC=$cc CASE_OPT=$opt OUT=$cc$opt build_case "$case"
			"$check" "$cc$opt"
		done
	done
}

# build_version [--libnonstop] CASE NAME DIR...: compiles $CASES/CASE/v1 with the files of
# each later $CASES/CASE/DIR laid over it, in that order, into ./NAME, and
# links ./NAME/prog: a version beyond the v2 that build_case builds (v3 is
# v2's files, then v3's).
build_version() {
	local cflags=() ldflags=()
	if [ "$1" = --libnonstop ]; then
		cflags=(-I"$ROOT/include")
		ldflags=(-L"$ROOT/build" -Wl,--no-as-needed -lnonstop -Wl,-rpath,"$ROOT/build")
		shift
	fi
	local case=$1 name=$2 d
	shift 2
	mkdir -p "src-$name"
	cp "$CASES/$case/v1"/*.c "src-$name"/
	for d in "$@"; do
		cp "$CASES/$case/$d"/*.c "src-$name"/
	done
	compile_dir "src-$name" "$name" ${cflags[@]+"${cflags[@]}"}
	link_dir "$name" "$name/prog" ${ldflags[@]+"${ldflags[@]}"}
}

# build_id BIN: the GNU build-id of BIN, in hex.
build_id() {
	readelf -n "$1" | sed -n 's/^ *Build ID: *//p'
}

# make_patch PATCH [OLD NEW]: nonstop build -o PATCH --binary OLD/prog OLD NEW
# (default OLD=v1 NEW=v2); fails the test unless it exits 0.
make_patch() {
	local patch=$1 old=${2:-v1} new=${3:-v2}
	expect_exit 0 "$NONSTOP" build -o "$patch" --binary "$old/prog" "$old" "$new"
	[ -s "$patch" ] || fail "nonstop build exited 0 but wrote no $patch"
}

# flip_bit FILE BIT: inverts bit BIT of FILE in place (bit 0 is the lowest
# bit of its first byte).
flip_bit() {
	local f=$1 off=$(($2 / 8)) mask=$((1 << ($2 % 8))) byte
	byte=$(od -An -t u1 -j "$off" -N 1 "$f" | tr -d ' ')
	[ -n "$byte" ] || fail "flip_bit: no byte $off in $f"
	# shellcheck disable=SC2059
	printf "\\$(printf %03o $((byte ^ mask)))" |
		dd of="$f" bs=1 seek="$off" conv=notrunc status=none ||
		fail "flip_bit: cannot write $f"
}

# reseal PATCH: after a test changed bytes of an unsigned PATCH's body in
# place (same size), writes the body's SHA-256 into its seal again (layout:
# src/patch/patch_seal.c: a 184-byte seal at the end, its digest at
# offset 24), as a hostile writer could: for tests of what the reader
# checks behind the digest.
reseal() {
	local f=$1 size body hex
	size=$(stat -c %s "$f")
	body=$((size - 184))
	hex=$(head -c "$body" "$f" | sha256sum | cut -c1-64)
	# shellcheck disable=SC2059
	printf "$(sed 's/../\\x&/g' <<<"$hex")" |
		dd of="$f" bs=1 seek=$((body + 24)) conv=notrunc status=none ||
		fail "reseal $f: cannot write its digest"
}

# --- targets ------------------------------------------------------------------

_EXIT_FUNCS=()
_cleanup() {
	local p f
	exec 9>&- 2>/dev/null || true
	for p in ${_TARGET_PIDS[@]+"${_TARGET_PIDS[@]}"}; do
		kill -KILL "$p" 2>/dev/null || true
	done
	for p in ${_TARGET_PIDS[@]+"${_TARGET_PIDS[@]}"}; do
		wait "$p" 2>/dev/null || true
	done
	for f in ${_EXIT_FUNCS[@]+"${_EXIT_FUNCS[@]}"}; do
		"$f" || true
	done
}
# on_exit FUNC: runs the shell function FUNC when the test ends, however
# it ends, after its targets are killed (to remove what the test made
# outside its directory: users, ...).
on_exit() {
	_EXIT_FUNCS+=("$1")
}
trap _cleanup EXIT
trap 'exit 143' TERM INT

# start_target PROG [ARGS...]
# Starts PROG in the background with stdin on the FIFO target.in (kept open
# by the test on fd 9) and stdout/stderr to target.out/target.err; waits up
# to 5 s for its "ready" line. Sets TPID.
start_target() {
	[ -z "$TPID" ] || fail "start_target: a target is already running"
	rm -f target.in target.out target.err
	mkfifo target.in
	: >target.out
	"$@" <target.in >target.out 2>target.err &
	TPID=$!
	_TARGET_PIDS+=("$TPID")
	_TARGET_OUT=$PWD/target.out
	# Opening the FIFO for writing waits for the target to open it for reading.
	exec 9>target.in
	wait_lines 1 || fail "target $* did not start: $(cat target.err)"
	local first
	first=$(sed -n 1p target.out)
	[ "$first" = ready ] || fail "target printed '$first' instead of 'ready'"
	note "target $* started, pid $TPID"
}

# stop_target: ends the target started last (closing its stdin, so it
# leaves its read loop as it would at end of input), for a test that starts
# another one.
stop_target() {
	[ -n "$TPID" ] || return 0
	exec 9>&-
	wait "$TPID" 2>/dev/null || true
	TPID=""
}

# wait_lines N: waits up to 5 s until target.out has at least N lines.
wait_lines() {
	local want=$1 i n
	for ((i = 0; i < 500; i++)); do
		n=$(wc -l <"$_TARGET_OUT")
		[ "$n" -ge "$want" ] && return 0
		kill -0 "$TPID" 2>/dev/null || { sleep 0.05; n=$(wc -l <"$_TARGET_OUT"); [ "$n" -ge "$want" ]; return; }
		sleep 0.01
	done
	return 1
}

# ask CMD...: sends one command line to the target and prints its answer
# (the next line of its output); fails the test after 5 s without one.
ask() {
	local n
	[ -n "$TPID" ] || fail "ask: no target"
	n=$(wc -l <"$_TARGET_OUT")
	printf '%s\n' "$*" >&9 || fail "ask '$*': cannot write to the target (pid $TPID $(target_state))"
	wait_lines $((n + 1)) ||
		fail "ask '$*': no answer within 5 s (pid $TPID $(target_state))"
	sed -n "$((n + 1))p" "$_TARGET_OUT"
}

# wait_answer WANT CMD...: asks CMD until the answer is WANT (at most 4 s):
# for what the target's threads reach at their own pace.
wait_answer() {
	local want=$1 got i
	shift
	for ((i = 0; i < 200; i++)); do
		got=$(ask "$@")
		[ "$got" = "$want" ] && { note "ok: '$*' -> '$got'"; return 0; }
		sleep 0.02
	done
	fail "'$*' answered '$got', expected '$want'"
}

# target_state: "alive", "exited" or "stopped (traced)", for messages.
target_state() {
	local st
	if ! kill -0 "$TPID" 2>/dev/null; then echo exited; return; fi
	st=$(sed 's/.*) //' "/proc/$TPID/stat" 2>/dev/null | cut -d' ' -f1)
	case $st in
	T|t) echo "stopped (state $st)" ;;
	*) echo alive ;;
	esac
}

# expect_alive: the target runs, no thread of it is stopped or traced, and
# it still answers.
expect_alive() {
	local t st tracer
	kill -0 "$TPID" 2>/dev/null || fail "the target (pid $TPID) died: $(tail -n 5 target.err 2>/dev/null)"
	for t in /proc/"$TPID"/task/*; do
		st=$(sed 's/.*) //' "$t/stat" 2>/dev/null | cut -d' ' -f1) || continue
		case $st in
		T|t) fail "thread ${t##*/} of the target is stopped (state $st)" ;;
		esac
		tracer=$(awk '/^TracerPid:/ {print $2}' "$t/status" 2>/dev/null || echo 0)
		[ "${tracer:-0}" = 0 ] || fail "thread ${t##*/} is still traced by pid $tracer"
	done
	expect_eq pong "$(ask ping)" "the target answers ping"
}

# --- assertions ---------------------------------------------------------------

# expect_eq EXPECTED ACTUAL [WHAT]
expect_eq() {
	if [ "$1" != "$2" ]; then
		fail "${3:-value}: expected '$1', got '$2'"
	fi
	note "ok: ${3:-value} = '$2'"
}

# expect_ne UNEXPECTED ACTUAL [WHAT]
expect_ne() {
	[ "$1" != "$2" ] || fail "${3:-value}: expected anything but '$1'"
	note "ok: ${3:-value} = '$2' (not '$1')"
}

# expect_exit CODE CMD...: runs CMD (with a time limit), keeps its output in
# last.out / last.err (shown in the log), fails unless it exits with CODE.
expect_exit() {
	local want=$1 rc=0
	shift
	echo "\$ $*"
	timeout -k 5 "$NONSTOP_CMD_TIMEOUT" "$@" >last.out 2>last.err || rc=$?
	sed 's/^/  out| /' last.out
	sed 's/^/  err| /' last.err
	echo "  exit $rc"
	[ $rc = 124 ] && fail "$1 did not finish within $NONSTOP_CMD_TIMEOUT s"
	[ "$rc" = "$want" ] || fail "'$*' exited $rc, expected $want"
}

# expect_stderr_match ERE: the stderr of the last expect_exit matches ERE.
expect_stderr_match() {
	grep -Eq -- "$1" last.err || fail "stderr does not match /$1/: $(cat last.err)"
	note "ok: stderr matches /$1/"
}

# expect_stdout_match ERE: the stdout of the last expect_exit matches ERE.
expect_stdout_match() {
	grep -Eq -- "$1" last.out || fail "stdout does not match /$1/: $(cat last.out)"
	note "ok: stdout matches /$1/"
}

# expect_stdout_no_match ERE
expect_stdout_no_match() {
	! grep -Eq -- "$1" last.out || fail "stdout matches /$1/ but should not: $(cat last.out)"
	note "ok: stdout does not match /$1/"
}

# expect_one_error_line: a refusal prints exactly one non-empty line on stderr.
expect_one_error_line() {
	local n
	n=$(grep -c . last.err || true)
	[ "$n" = 1 ] || fail "expected one line on stderr, got $n: $(cat last.err)"
	note "ok: one line on stderr"
}

# maps_snapshot FILE: the target's memory map, for before/after comparisons.
maps_snapshot() {
	cat "/proc/$TPID/maps" >"$1" || fail "cannot read /proc/$TPID/maps"
}

# maps_nostack: the target's memory map without the main thread's [stack]
# line (it may grow by a page).
maps_nostack() {
	grep -v '\[stack\]' "/proc/$TPID/maps" || true
}

# absent_pid: prints a pid no process has.
absent_pid() {
	local p=4194000
	while [ -e "/proc/$p" ]; do p=$((p - 1)); done
	echo $p
}

# --- other users ----------------------------------------------------------------

# ensure_user NAME: makes sure a system user NAME exists (created without a
# home or a login shell if missing; needs root) and prints its uid. Tests
# that play a second, less trusted user use ns-attacker; a third one,
# ns-bystander.
ensure_user() {
	local name=$1
	[ "$(id -u)" = 0 ] || fail "ensure_user $name: needs root"
	if ! id -u "$name" >/dev/null 2>&1; then
		# Two tests may race to create it: the loser finds it made.
		useradd --system --no-create-home --shell /usr/sbin/nologin \
			"$name" >/dev/null 2>&1 || true
	fi
	id -u "$name" 2>/dev/null || fail "cannot create user $name"
}

# as_user NAME: sets AS_USER to the command prefix that runs a command as
# user NAME (its own group, no other groups; setpriv execs, so the pid is
# the command's):
#   as_user ns-attacker; start_target "${AS_USER[@]}" v1/prog
AS_USER=()
as_user() {
	local uid gid
	uid=$(ensure_user "$1") || fail "no user $1"
	gid=$(id -g "$1")
	AS_USER=(setpriv --reuid="$uid" --regid="$gid" --clear-groups --)
}

# open_dir_to_others: lets other users reach the test's directory (run.sh
# makes it private), so that a target started as another user can run the
# programs built here and read its FIFO.
open_dir_to_others() {
	chmod 755 .
}

# --- the helpers of groups of tests -------------------------------------------

# tests/lib/*.sh: the fault injection (kill_matrix.sh) and what the tests
# of one case share (kill.sh, hooks.sh, shadow.sh...). Each only defines
# functions and the variables they keep.
for _lib in "$(dirname "${BASH_SOURCE[0]}")"/lib/*.sh; do
	# shellcheck source=/dev/null
	. "$_lib"
done
unset _lib
