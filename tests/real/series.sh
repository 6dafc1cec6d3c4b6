#!/usr/bin/env bash
# tests/real/series.sh — one program of the real-world harness
# (tests/real/realworld.sh): a Debian bookworm source package whose
# debian/patches carries a series of security fixes, patched live, fix
# after fix, as an operator would.
#
#   bash tests/real/series.sh PROG        (after make; PROG: libxml2, unbound)
#
# tests/real/PROG/program.sh says what PROG is (sourced; see its header):
# the pinned package version, the last Debian patch of the version as first
# released (BASE_LAST), the build, the server, its load and its state.
#
#   1. Setup, once (build/real/PROG/tree, rebuilt when the .dsc, the flags or
#      the recipe change): tests/real/lib/debsrc.sh fetches PKG=VERSION with
#      apt-get (deb-src entry and build tools added as root when missing),
#      dpkg-source -x --skip-patches unpacks the pristine upstream source,
#      Debian's patches up to BASE_LAST are applied, and the program's own
#      build runs with CFLAGS="-O2 $(nonstop cflags)".
#   2. The server starts from that tree; its state is stored; the load
#      (tests/real/lib/rwload.c, plus any the program adds) starts.
#   3. For each later patch of debian/patches/series, in order:
#        its code part: the hunks for the program's code (code_part: C
#          sources and headers, grammar and lexer sources; not the build
#          system, tests, documentation or the program's NOT_CODE); a patch
#          with none is "no code change" (the dropped files are recorded);
#        rebased, when the files it touches carry earlier fixes' '#line'
#          lines in SRC, by tests/real/lib/relines.py (a transplant across
#          them: see its header);
#        nonstop build -o fixN.nsp --src SRC --diff CODE_PART --make MAKE_CMD
#          --binary BINARY --work wN --new-binary wN/new/BINARY
#      SRC is the original tree at first, then the WORK/new of the last fix
#      applied (the tree whose binary the running process now matches:
#      --binary/--new-binary chain the patches). Exit 0: nonstop apply
#      --json PID fixN.nsp; exit 3: "no code change"; exit 1: "refused",
#      with nonstop's message. A fix refused or not applied is left out of
#      the next SRC (the process does not run it).
#      When apply refuses the fix for a limit of stacking it on the patches
#      already applied (it says "apply it with --replace", the fix "calls
#      the new version of" a function an earlier patch brought, or it
#      replaces a function an earlier patch added, which the binary does not
#      have: "symbol 'F' ... not found in"), the harness does what
#      docs/stacking.md tells the operator: one cumulative patch from the
#      original tree to the fix's WORK/new (every fix the process runs, and
#      this one), nonstop build -o cumN.nsp --name cumN --binary
#      TREE/BINARY --new-binary WORK/new/BINARY TREE WORK/new (the
#      two-directory mode), and nonstop apply --replace --json PID cumN.nsp,
#      which takes the place of every patch applied in one switch. If it
#      applies: "applied (cumulative, --replace)", with its functions and
#      pause, the fix's own refusal in the message, and SRC moves on as for
#      an applied fix. Any other refusal is left as it is.
#   4. The server's own checks: the load stopped with no failed request,
#      the server is the same process (pid, start time), its state intact.
#
# Writes build/real/rw/PROG/results.tsv (one line per fix: n, patch, CVE,
# outcome, functions, pause_us, message, files dropped from the patch as
# not code; for a cumulative patch, its functions and pause) and
# summary.txt; RW_KEEP=1 keeps
# the work directories. Exits 0 when the checks of 4 passed (a refused fix
# is a result, not a failure), 1 otherwise.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
PROG=${1:?usage: series.sh PROG}
NONSTOP=${NONSTOP:-$ROOT/build/nonstop}
DEF=$ROOT/tests/real/$PROG/program.sh
[ -f "$DEF" ] || { echo "series: no $DEF" >&2; exit 2; }
CACHE=$ROOT/build/real/$PROG
RUN=$ROOT/build/real/rw/$PROG
RW_WHO="realworld $PROG"
RW_LOGS=$CACHE
mkdir -p "$CACHE"
# shellcheck source=lib/debsrc.sh
. "$ROOT/tests/real/lib/debsrc.sh"
# What code_part keeps (a program may say more in CODE, and what of it
# is not its code in NOT_CODE; filterdiff globs, '*' matches '/').
CODE=('*.c' '*.h' '*.y' '*.l' '*.lex')
NOT_CODE=()
# shellcheck disable=SC1090
. "$DEF"
[ -x "$NONSTOP" ] || rw_die "$NONSTOP not found: run make first"

# --- 1. setup --------------------------------------------------------------------

exec 8>"$CACHE/.lock"
flock 8
debsrc_install dpkg-source:dpkg-dev patch:patch filterdiff:patchutils python3:python3 gcc:gcc make:make "${DEPS[@]}"
debsrc_fetch "$PKG" "$VERSION" "$CACHE/dl"
DSC=$CACHE/dl/${PKG}_${VERSION#*:}.dsc
CFLAGS="-O2 $("$NONSTOP" cflags)" || rw_die "nonstop cflags failed"
TREE=$CACHE/tree
STAMP=$TREE/.nonstop-setup
want="recipe=$RECIPE base=$BASE_LAST dsc=$(basename "$DSC") sha256=$(sha256sum <"$DSC" | cut -c1-64) cflags=$CFLAGS"
if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$want" ] && [ -f "$TREE/$BINARY" ]; then
	rw_say "up to date: $TREE ($(basename "$DSC"), up to $BASE_LAST)"
else
	rw_say "unpacking $(basename "$DSC") (pristine upstream source) into $TREE"
	rm -rf "$TREE" "$CACHE/tree.tmp"
	dpkg-source --skip-patches -x "$DSC" "$CACHE/tree.tmp" >"$CACHE/unpack.log" 2>&1 ||
		rw_die "dpkg-source -x $DSC failed: $(tail -n 5 "$CACHE/unpack.log")"
	rm -f "$CACHE"/"${PKG}"_*.orig.tar.*
	grep -qx "$BASE_LAST" "$CACHE/tree.tmp/debian/patches/series" ||
		rw_die "$BASE_LAST is not in debian/patches/series of $(basename "$DSC")"
	while read -r p; do
		rw_say "  Debian patch of the release: $p"
		patch -d "$CACHE/tree.tmp" -p1 -s -N --no-backup-if-mismatch <"$CACHE/tree.tmp/debian/patches/$p" \
			>>"$CACHE/unpack.log" 2>&1 || rw_die "$p does not apply: $(tail -n 5 "$CACHE/unpack.log")"
		[ "$p" = "$BASE_LAST" ] && break
	done < <(sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$CACHE/tree.tmp/debian/patches/series" | awk '{print $1}')
	mv "$CACHE/tree.tmp" "$TREE"
	rw_say "configure (CFLAGS=\"$CFLAGS\"; log: $CACHE/configure.log)"
	(cd "$TREE" && nice -n 10 "${CONFIGURE[@]}" CFLAGS="$CFLAGS") >"$CACHE/configure.log" 2>&1 ||
		rw_die "configure failed: $(tail -n 15 "$CACHE/configure.log")"
	rw_say "$MAKE_CMD -j${RW_JOBS:-2} (log: $CACHE/make.log)"
	(cd "$TREE" && nice -n 10 $MAKE_CMD -j"${RW_JOBS:-2}") >"$CACHE/make.log" 2>&1 ||
		rw_die "$MAKE_CMD failed: $(tail -n 15 "$CACHE/make.log")"
	[ -f "$TREE/$BINARY" ] || rw_die "the build did not produce $TREE/$BINARY"
	# (gcc records its flags in DW_AT_producer.)
	producer=$(readelf --debug-dump=info "$TREE/$BINARY" 2>/dev/null | grep DW_AT_producer | sort -u)
	grep -q -- '-fpatchable-function-entry' <<<"$producer" ||
		rw_die "the build did not use nonstop's flags (no -fpatchable-function-entry in $BINARY's DW_AT_producer)"
	echo "$want" >"$STAMP"
fi

# --- 2. the server, its state, its load ----------------------------------------------

rm -rf "$RUN"
mkdir -p "$RUN/req"
cd "$RUN"
gcc -O2 -std=gnu11 -Wall -Wextra -Werror -pthread -o rwload "$ROOT/tests/real/lib/rwload.c" ||
	rw_die "cannot build rwload"
PIDS=()
SERVER_PID=""
LOAD_PID=""
cleanup() {
	local p
	for p in "$LOAD_PID" "$SERVER_PID" "${PIDS[@]}"; do
		[ -n "$p" ] && kill -TERM "$p" 2>/dev/null || true
	done
	return 0
}
trap cleanup EXIT
# start_time PID: when the process started (field 22 of /proc/PID/stat).
start_time() { sed 's/.*) //' "/proc/$1/stat" | cut -d' ' -f20; }
# free_port: a TCP port of 127.0.0.1 nobody listens on.
free_port() {
	local p
	while :; do
		p=$((20000 + RANDOM % 30000))
		ss -Hltn "sport = :$p" 2>/dev/null | grep -q . || { echo "$p"; return; }
	done
}
checks_failed=0
check_fail() {
	rw_say "CHECK FAILED: $*"
	echo "$*" >>"$RUN/failed-checks.txt"
	checks_failed=1
}

rw_prepare "$TREE"
rw_start "$TREE"
[ -n "$SERVER_PID" ] && [ -n "$PORT" ] || rw_die "the server did not start"
start0=$(start_time "$SERVER_PID")
rw_say "server pid $SERVER_PID on 127.0.0.1:$PORT ($(ls /proc/"$SERVER_PID"/task | wc -l) threads)"
rw_requests "$RUN/req"
rw_state_put
./rwload run -c "${RW_CONNS:-4}" -p "${RW_PAUSE_US:-2000}" -d 3600 "$PORT" "$RUN"/req/* \
	>load.out 2>load.err &
LOAD_PID=$!
sleep 2
kill -0 "$LOAD_PID" 2>/dev/null || rw_die "the load ended at start: $(cat load.out load.err)"
rw_say "load: $(ls "$RUN"/req | wc -l) kinds of request on ${RW_CONNS:-4} connections"

# --- 3. the fixes, in order ---------------------------------------------------------------

SERIES=$TREE/debian/patches
# build_fix DIFF: nonstop build of fix $nn from $src; its exit status.
build_fix() {
	local rc=0
	rm -rf "$work"
	nice -n 10 "$NONSTOP" build -o "fix$nn.nsp" --name "fix$nn" --src "$src" --diff "$1" \
		--make "$MAKE_CMD" --binary "$BINARY" --work "$work" --new-binary "$work/new/$BINARY" \
		>"build$nn.out" 2>"build$nn.err" || rc=$?
	return $rc
}
# code_part DIFF OUT: OUT is DIFF reduced to its hunks for the files of the
# program's code (the operator patches the running program, not its build
# system, tests or documentation): files matching CODE (C sources and
# headers; grammar and lexer sources, which the build regenerates), less
# those matching the program's NOT_CODE (its test programs, bindings). A
# source file of another program of the tree is kept: nonstop finds that
# BINARY has none of its code. Prints the dropped files, those of a
# directory with more than 3 grouped as "DIR/ (N files)".
code_part() {
	local args=() g
	for g in "${CODE[@]}"; do args+=(-i "$g"); done
	for g in "${NOT_CODE[@]}"; do args+=(-x "$g"); done
	filterdiff -p1 "${args[@]}" "$1" >"$2"
	comm -23 <(lsdiff --strip=1 "$1" | sort -u) <(lsdiff --strip=1 "$2" | sort -u) |
		awk -F/ '{ d = NF > 1 ? $1 "/" : $0; if (!(d in n)) order[++k] = d; n[d]++; f[d] = f[d] (f[d] == "" ? "" : " ") $0 }
		END { for (i = 1; i <= k; i++) { d = order[i]; printf "%s%s", (i > 1 ? " " : ""), (n[d] > 3 ? d " (" n[d] " files)" : f[d]) } }'
}
# has_markers DIFF: a file DIFF touches carries, in $src, a '#line N' line
# that nonstop added after the change of an earlier fix.
has_markers() {
	local f
	for f in $(lsdiff --strip=1 "$1"); do
		[ -f "$src/$f" ] && grep -qE '^#line [0-9]+$' "$src/$f" && return 0
	done
	return 1
}
# stacking_refusal ERR: nonstop apply refused fix $nn (its stderr ERR) for a
# limitation of stacking it on the patches applied before it, where
# docs/stacking.md tells the operator to apply the fixes together as one
# cumulative patch with --replace: it says so ("apply it with --replace"),
# or the fix calls the new version of a function an earlier patch brought
# ("calls the new version of"), or it replaces a function an earlier patch
# added, which the binary on disk does not have ("symbol 'F' ... not found
# in", F one of the new functions of a patch applied, added.txt).
stacking_refusal() {
	local f
	grep -qF -e 'apply it with --replace' -e 'calls the new version of' "$1" && return 0
	f=$(sed -n "s/.*symbol '\([^']*\)'.* not found in .*/\1/p" "$1" | head -n 1)
	[ -n "$f" ] && [ -f added.txt ] && grep -qxF -- "$f" added.txt
}
# cumulative: after such a refusal, the operator's way round it
# (docs/stacking.md, "Replacing patches"): one patch from the original tree
# to fix $nn's WORK/new (every fix the process runs, and this one), built in
# the two-directory mode (objects paired by relative path; WORK/new is
# line-neutral against the original, so __LINE__ does not move), with
# --new-binary so that later fixes stack on it, then nonstop apply --replace:
# in one switch it takes the place of every patch applied. Sets outcome,
# funcs, pause, msg and src as for an applied fix; returns 1 (leaving them
# for the refusal, the cumulative patch's own error added to msg) if the
# build or the apply fails.
cumulative() {
	local rc=0 m
	nice -n 10 "$NONSTOP" build -o "cum$nn.nsp" --name "cum$nn" --binary "$TREE/$BINARY" \
		--new-binary "$work/new/$BINARY" "$TREE" "$work/new" >"cumbuild$nn.out" 2>"cumbuild$nn.err" || rc=$?
	if [ $rc != 0 ]; then
		m=$(grep -v '^$' "cumbuild$nn.err" | tail -n 3 | paste -sd' ')
		msg="$msg; the cumulative patch (from the original tree, for --replace) was refused at build: $m"
		return 1
	fi
	"$NONSTOP" apply --replace --json --timeout "${RW_APPLY_TIMEOUT:-30}" "$SERVER_PID" "cum$nn.nsp" \
		>"cumapply$nn.json" 2>"cumapply$nn.err" || rc=$?
	if [ $rc != 0 ]; then
		m=$(grep -v '^$' "cumapply$nn.err" | tail -n 3 | paste -sd' ')
		msg="$msg; the cumulative patch (from the original tree) was refused by apply --replace: $m"
		return 1
	fi
	"$NONSTOP" show --json "cum$nn.nsp" >"showcum$nn.json"
	outcome="applied (cumulative, --replace)"
	funcs=$(jq -r '[.entries[] | select(.kind == "replace" or .kind == "add" or .kind == "new function") | .name] | join(" ")' "showcum$nn.json")
	pause=$(jq -r .pause_us "cumapply$nn.json")
	msg="fix$nn alone was refused at apply: $msg; cum$nn (the original tree to fix$nn's WORK/new) applied with --replace, replacing $(jq -r '(.replaced // []) | join(", ")' "cumapply$nn.json")"
	jq -r '.entries[] | select(.kind == "new function" or .kind == "add") | .name' "showcum$nn.json" >>added.txt
	src=$work/new
}
mapfile -t FIXES < <(sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$SERIES/series" | awk '{print $1}' |
	sed -n "/^$(sed 's/[.[\*^$/]/\\&/g' <<<"$BASE_LAST")\$/,\$p" | tail -n +2)
rw_say "${#FIXES[@]} fixes after $BASE_LAST"
: >results.tsv
: >added.txt
src=$TREE
prev_work=""
n=0
for fix in "${FIXES[@]}"; do
	n=$((n + 1))
	nn=$(printf '%02d' $n)
	diff=$SERIES/$fix
	cve=$(grep -oE 'CVE-[0-9]{4}-[0-9]+' <<<"$fix" | sort -u | paste -sd, || true)
	[ -n "$cve" ] || cve=$(sed -n '1,/^---/p' "$diff" | grep -oE 'CVE-[0-9]{4}-[0-9]+' | sort -u | paste -sd, || true)
	work=$RUN/w$nn
	outcome=""
	funcs=""
	pause=""
	msg=""
	brc=0
	note=""
	dropped=$(code_part "$diff" "code$nn.diff")
	if ! grep -q '^+++ ' "code$nn.diff"; then
		brc=3
		note="no hunk for the program's code"
	else
		use=code$nn.diff
		if has_markers "$use"; then
			# SRC carries earlier fixes in line-neutral form: the
			# fix is transplanted across their '#line' lines
			# (relines.py); if it does not apply even so, nonstop
			# says so on the code part as it is.
			if python3 "$ROOT/tests/real/lib/relines.py" "$src" "$use" "rebased$nn.diff" 2>"rebase$nn.err"; then
				use=rebased$nn.diff
				note="rebased across the #line lines of earlier fixes (tests/real/lib/relines.py)"
			fi
		fi
		build_fix "$use" || brc=$?
	fi
	case $brc in
	0)
		"$NONSTOP" show --json "fix$nn.nsp" >"show$nn.json"
		funcs=$(jq -r '[.entries[] | select(.kind == "replace" or .kind == "add" or .kind == "new function") | .name] | join(" ")' "show$nn.json")
		arc=0
		"$NONSTOP" apply --json --timeout "${RW_APPLY_TIMEOUT:-30}" "$SERVER_PID" "fix$nn.nsp" \
			>"apply$nn.json" 2>"apply$nn.err" || arc=$?
		if [ $arc = 0 ]; then
			outcome=applied
			pause=$(jq -r .pause_us "apply$nn.json")
			src=$work/new
		else
			outcome=refused-at-apply
			msg=$(grep -v '^$' "apply$nn.err" | tail -n 3 | paste -sd' ')
			if stacking_refusal "apply$nn.err"; then
				cumulative || true
			fi
		fi
		[ "$src" = "$work/new" ] && jq -r '.entries[] | select(.kind == "new function" or .kind == "add") | .name' \
			"show$nn.json" >>added.txt
		;;
	3) outcome=no-code-change ;;
	*)
		outcome=refused
		msg=$(grep -v '^$' "build$nn.err" | tail -n 3 | paste -sd' ')
		;;
	esac
	rw_say "$nn $fix: $outcome${funcs:+ ($funcs)}${pause:+, paused ${pause} us}${msg:+: $msg}"
	[ -n "$note" ] && msg="${msg:+$msg; }$note"
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$nn" "$fix" "${cve:--}" "$outcome" "$funcs" "$pause" "$msg" "$dropped" >>results.tsv
	kill -0 "$SERVER_PID" 2>/dev/null || { check_fail "the server died after $fix"; break; }
	kill -0 "$LOAD_PID" 2>/dev/null || { check_fail "the load ended after $fix: $(cat load.out load.err)"; break; }
	# Keep the logs, not the trees (only SRC is needed next).
	if [ "${RW_KEEP:-0}" != 1 ]; then
		rm -rf "$work/old"
		[ "$src" = "$work/new" ] || rm -rf "$work/new"
		[ -n "$prev_work" ] && [ "$src" != "$prev_work/new" ] && rm -rf "$prev_work/new"
	fi
	[ "$src" = "$work/new" ] && prev_work=$work
done

# --- 4. the server's own checks -------------------------------------------------------------

sleep 1
if kill -0 "$LOAD_PID" 2>/dev/null; then
	kill -TERM "$LOAD_PID"
	load_rc=0
	wait "$LOAD_PID" || load_rc=$?
	LOAD_PID=""
	head -n 20 load.err >&2 || true
	result=$(cat load.out)
	rw_say "load: $result"
	[[ " $result" == *" failed=0 "* ]] || check_fail "the load saw failed requests: $result"
	[ $load_rc = 0 ] || check_fail "rwload exit $load_rc: $result"
else
	check_fail "the load was not running at the end: $(cat load.out load.err)"
fi
if kill -0 "$SERVER_PID" 2>/dev/null; then
	[ "$(start_time "$SERVER_PID")" = "$start0" ] || check_fail "the server is not the process that started"
	rw_state_check || check_fail "the server's state is not intact"
	"$NONSTOP" status "$SERVER_PID" >status.out 2>&1 || check_fail "nonstop status failed: $(cat status.out)"
else
	check_fail "the server (pid $SERVER_PID) is gone"
fi
applied=$(awk -F'\t' '$4 ~ /^applied/' results.tsv | wc -l)
cumul=$(awk -F'\t' '$4 == "applied (cumulative, --replace)"' results.tsv | wc -l)
nocode=$(awk -F'\t' '$4 == "no-code-change"' results.tsv | wc -l)
total=$(wc -l <results.tsv)
code=$((total - nocode))
{
	echo "program=$PROG version=$VERSION base=$BASE_LAST fixes=$total code_fixes=$code applied=$applied cumulative=$cumul"
	echo "server_pid=$SERVER_PID same_process=$([ $checks_failed = 0 ] && echo yes || echo see-failed-checks)"
	echo "load=$(cat load.out 2>/dev/null)"
	echo "checks=$([ $checks_failed = 0 ] && echo passed || echo FAILED)"
} >summary.txt
cat summary.txt >&2
cleanup
SERVER_PID=""
rw_stop || true
[ $checks_failed = 0 ]
