#!/usr/bin/env bash
# tests/gen/run_corpus.sh — the generator test corpus (issue 3).
#
#   bash tests/gen/run_corpus.sh [CASE...]      CASE: a name or a substring of it
#
# For every case of tests/gen/cases/ × compiler (gcc, clang) × level (-O0,
# -O2, -O3) it compiles v1/ and v2/ (v2/ holds only the files that change; it
# is laid over a copy of v1/, as tests/lib.sh build_case does) from inside the
# source directory by base name, with $(nonstop cflags) -O<level>, -I of
# nonstop's include/ (for cases whose v2 has NONSTOP_TRANSFORM) and the
# case's `cflags` file, links v1/prog, runs
#     nonstop build -o p.nsp --binary v1/prog v1 v2
# and checks the result against the case's `expect` file. When the build
# succeeds it also checks the patch live: v1/prog is started held before
# main (live_gate.c), the patch is applied to it, and the process must then
# print what v2/prog prints. The `expect` keys:
#
#   replace: f g      exact set of replaced functions (may be empty)
#   new: h            exact set of new functions
#   data: x           exact set of new variables (only checked if present)
#   exit: 0           expected exit of nonstop build (0, 1 or 3)
#   refuse: text      with exit 1: a substring stderr must contain
#   skip: reason      do not run this combination (reported as SKIP)
#   live: no          do not run the live check (say why in a comment)
#   # comment         (also after a value)
#
# Any key may carry a qualifier for the combinations where the compiler
# legitimately differs: KEY@gcc, KEY@clang, KEY@O0, KEY@O2, KEY@O3, or
# KEY@gcc-O2 (compiler and level). The most specific one wins:
# KEY@cc-Olevel, then KEY@Olevel, then KEY@cc, then KEY.
#
# Names are compared after removing numeric components (`.0`, `.12`), so
# `scale.isra.0` matches `scale.isra` and `count.1` matches `count`: the
# numbering of clones and of static locals is the compiler's choice.
#
# Optional per-case files: `cflags` (extra compile flags, all compilers),
# `cflags@gcc` / `cflags@clang`, `ldflags` (extra link flags).
#
# Environment: NONSTOP (default build/nonstop), JOBS (default 2),
# COMPILERS (default "gcc clang"), LEVELS (default "O0 O2 O3"), KEEP=1 keeps
# the work directory. Prints one line per combination, a matrix summary, and
# ends with "N passed, N failed"; exits 1 if any combination failed.
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
NONSTOP=${NONSTOP:-$ROOT/build/nonstop}
GEN_CASES=${GEN_CASES:-$HERE/cases}
export NONSTOP GEN_CASES

# --- one combination ----------------------------------------------------------

# norm: a list of names (words) on stdin -> sorted (duplicates kept), numeric components
# removed, on one line separated by spaces.
norm() {
	tr ' \t' '\n\n' | sed -E 's/\.[0-9]+(\.|$)/\1/g; s/\.[0-9]+(\.|$)/\1/g' |
		grep -v "^$" | sort | tr '\n' ' ' | sed 's/ $//'
}

# load_expect FILE: reads the expect file into EXP (key[@qualifier] -> value).
declare -A EXP=()
load_expect() {
	local line key val
	EXP=()
	while IFS= read -r line || [ -n "$line" ]; do
		line=${line%%#*}
		[[ $line == *:* ]] || continue
		key=${line%%:*}
		key=${key//[[:space:]]/}
		val=${line#*:}
		val="${val#"${val%%[![:space:]]*}"}"
		val="${val%"${val##*[![:space:]]}"}"
		EXP[$key]=$val
	done <"$1"
}

# expect_get KEY CC LEVEL: the value of KEY for this combination (the most
# specific qualifier wins); returns 1 if the key is not there at all.
expect_get() {
	local key=$1 cc=$2 lvl=$3 q
	for q in "@$cc-$lvl" "@$lvl" "@$cc" ""; do
		if [ -n "${EXP[$key$q]+set}" ]; then
			printf '%s\n' "${EXP[$key$q]}"
			return 0
		fi
	done
	return 1
}

# show_names JSONFILE KIND: the names of the entries of KIND.
show_names() {
	grep -o '"kind":"[^"]*","name":"[^"]*"' "$1" |
		sed -n "s/^\"kind\":\"$2\",\"name\":\"\\([^\"]*\\)\"\$/\\1/p"
}

# live_check DIR: starts DIR/v1/prog held before main by the live gate,
# applies DIR/p.nsp to it, lets it run, and compares its output and exit
# status with DIR/v2/prog's. Prints what differs; nothing if all is well.
live_check() {
	local d=$1 pid i want got wrc=0 grc=0
	# Both run as "prog": a program may print its argv[0].
	want=$(exec -a prog "$d/v2/prog" </dev/null 2>&1) || wrc=$?
	rm -f "$d/gate.in"
	mkfifo "$d/gate.in"
	NS_LIVE_GATE=1 bash -c 'exec -a prog "$0"' "$d/v1/prog" <"$d/gate.in" >"$d/live.out" 2>&1 &
	pid=$!
	exec 7>"$d/gate.in"
	# Wait until it sits in the gate's read() of fd 0 (syscall 0, arg 0x0).
	for ((i = 0; i < 500; i++)); do
		case $(cat "/proc/$pid/syscall" 2>/dev/null) in "0 0x0 "*) break ;; esac
		sleep 0.01
	done
	if ! timeout -k 5 60 "$NONSTOP" apply "$pid" "$d/p.nsp" >"$d/apply.out" 2>&1; then
		exec 7>&-
		wait "$pid" 2>/dev/null
		echo "apply failed: $(tail -n 1 "$d/apply.out")"
		return
	fi
	echo >&7
	exec 7>&-
	wait "$pid" || grc=$?
	got=$(cat "$d/live.out")
	[ "$got" = "$want" ] && [ "$grc" = "$wrc" ] && return
	echo "patched v1 printed '$got' (exit $grc), v2 prints '$want' (exit $wrc)" |
		tr '\n' ' '
}

one() {
	local case=$1 cc=$2 lvl=$3 work=$4
	local cdir=$GEN_CASES/$case d=$work/$case-$cc-$lvl
	local tag="$case $cc -$lvl"
	local exp=$cdir/expect
	rm -rf "$d"
	mkdir -p "$d"
	load_expect "$exp"
	local skip
	if skip=$(expect_get skip "$cc" "$lvl"); then
		echo "SKIP $tag: $skip"
		return 0
	fi
	local base extra=() ldextra=()
	base=$("$NONSTOP" cflags) || { echo "FAIL $tag: nonstop cflags failed"; return 0; }
	[ -f "$cdir/cflags" ] && read -r -a extra < <(grep -v '^#' "$cdir/cflags" | tr '\n' ' '; echo)
	if [ -f "$cdir/cflags@$cc" ]; then
		local more=()
		read -r -a more < <(grep -v '^#' "$cdir/cflags@$cc" | tr '\n' ' '; echo)
		extra+=(${more[@]+"${more[@]}"})
	fi
	[ -f "$cdir/ldflags" ] && read -r -a ldextra < <(grep -v '^#' "$cdir/ldflags" | tr '\n' ' '; echo)
	# One source directory, as in a tree where a fix is made: v1 is compiled
	# into v1/, then v2/'s files are laid over it and only they are compiled
	# again (the other objects of v2/ are v1's: same source, same flags).
	local f
	mkdir -p "$d/src" "$d/v1" "$d/v2"
	cp "$cdir"/v1/*.c "$d/src"/
	compile() { # compile VDIR FILE
		# shellcheck disable=SC2086
		(cd "$d/src" && $cc $base -"$lvl" -std=gnu11 -pthread -I"$ROOT/include" \
			${extra[@]+"${extra[@]}"} -c "$2" -o "$d/$1/${2%.c}.o") >"$d/cc.err" 2>&1 && return 0
		echo "FAIL $tag: cannot compile $1/$2: $(head -n 3 "$d/cc.err" | tr '\n' ' ')"
		return 1
	}
	for f in "$d/src"/*.c; do
		compile v1 "${f##*/}" || return 0
	done
	cp "$d"/v1/*.o "$d/v2"/
	for f in "$cdir"/v2/*.c; do
		[ -f "$f" ] || continue
		cp "$f" "$d/src"/
		compile v2 "${f##*/}" || return 0
	done
	# The live gate is linked into the programs only, not compared.
	if ! $cc -O2 -c "$HERE/live_gate.c" -o "$d/gate.o" >"$d/cc.err" 2>&1; then
		echo "FAIL $tag: cannot compile live_gate.c"
		return 0
	fi
	local v
	for v in v1 v2; do
		if ! $cc -pthread ${extra[@]+"${extra[@]}"} ${ldextra[@]+"${ldextra[@]}"} \
			-o "$d/$v/prog" "$d"/$v/*.o "$d/gate.o" >"$d/ld.err" 2>&1; then
			[ $v = v2 ] && break # v2 may legitimately not link (refusal cases)
			echo "FAIL $tag: cannot link $v/prog: $(head -n 3 "$d/ld.err" | tr '\n' ' ')"
			return 0
		fi
	done
	local rc=0
	(cd "$d" && timeout -k 5 60 "$NONSTOP" build -o p.nsp --binary v1/prog v1 v2) \
		>"$d/build.out" 2>"$d/build.err" || rc=$?
	local want_exit
	want_exit=$(expect_get exit "$cc" "$lvl") || want_exit=0
	local errline
	errline=$(head -n 2 "$d/build.err" | tr '\n' ' ' | sed 's/ $//')
	if [ "$rc" != "$want_exit" ]; then
		local got=""
		if [ "$rc" = 0 ] && "$NONSTOP" show --json "$d/p.nsp" >"$d/show.json" 2>/dev/null; then
			got="; replace {$(show_names "$d/show.json" replace | norm)} new {$(show_names "$d/show.json" 'new function' | norm)} data {$(show_names "$d/show.json" 'new data' | norm)}"
		fi
		echo "FAIL $tag: expected exit $want_exit, got exit $rc${errline:+ (stderr: $errline)}$got"
		return 0
	fi
	case $rc in
	0)
		if ! "$NONSTOP" show --json "$d/p.nsp" >"$d/show.json" 2>"$d/show.err"; then
			echo "FAIL $tag: show --json failed: $(head -n 1 "$d/show.err")"
			return 0
		fi
		local key kind want got bad=""
		for key in replace new data; do
			case $key in
			replace) kind=replace ;;
			new) kind='new function' ;;
			data) kind='new data' ;;
			esac
			if ! want=$(expect_get "$key" "$cc" "$lvl"); then
				[ "$key" = data ] && continue
				want=""
			fi
			want=$(echo "$want" | norm)
			got=$(show_names "$d/show.json" "$kind" | norm)
			[ "$want" = "$got" ] || bad="$bad; expected $key {$want} got {$got}"
		done
		if [ -n "$bad" ]; then
			echo "FAIL $tag: ${bad#; }"
			return 0
		fi
		if [ "$(expect_get live "$cc" "$lvl")" != no ]; then
			bad=$(live_check "$d")
			if [ -n "$bad" ]; then
				echo "FAIL $tag: live: $bad"
				return 0
			fi
		fi
		;;
	1)
		local sub
		if sub=$(expect_get refuse "$cc" "$lvl") && [ -n "$sub" ]; then
			if ! grep -qF -- "$sub" "$d/build.err"; then
				echo "FAIL $tag: stderr does not contain '$sub': $errline"
				return 0
			fi
		fi
		;;
	esac
	echo "PASS $tag"
	[ "${KEEP:-0}" = 1 ] || rm -rf "$d"
}

if [ "${1:-}" = --one ]; then
	shift
	one "$@"
	exit 0
fi

# --- the matrix ---------------------------------------------------------------

if [ ! -x "$NONSTOP" ]; then
	echo "corpus: $NONSTOP not found: run make first" >&2
	echo "0 passed, 1 failed"
	exit 1
fi

COMPILERS=${COMPILERS:-gcc clang}
LEVELS=${LEVELS:-O0 O2 O3}
JOBS=${JOBS:-2}

cases=()
for c in "$GEN_CASES"/*/; do
	c=$(basename "$c")
	[ -f "$GEN_CASES/$c/expect" ] || continue
	if [ $# -gt 0 ]; then
		match=0
		for want in "$@"; do [[ $c == *"$want"* ]] && match=1; done
		[ $match = 1 ] || continue
	fi
	cases+=("$c")
done

compilers=()
for cc in $COMPILERS; do
	if command -v "$cc" >/dev/null; then compilers+=("$cc"); else echo "# $cc not found: skipped"; fi
done

WORK=$(mktemp -d "${TMPDIR:-/tmp}/corpus-run.XXXXXX")
start=$SECONDS
{
	for c in "${cases[@]}"; do
		for cc in "${compilers[@]}"; do
			for l in $LEVELS; do echo "$c $cc $l"; done
		done
	done
} >"$WORK/list"

# Each combination prints exactly one line; results are kept in list order.
xargs -P "$JOBS" -L 1 sh -c 'bash "$0" --one "$1" "$2" "$3" "$4" >"$4/res.$1.$2.$3" 2>&1' \
	"$HERE/run_corpus.sh" <<<"$(sed "s|\$| $WORK|" "$WORK/list")"

passed=0 failed=0 skipped=0
while read -r c cc l; do
	r="$WORK/res.$c.$cc.$l"
	line=$(cat "$r" 2>/dev/null)
	[ -n "$line" ] || line="FAIL $c $cc -$l: no result"
	echo "$line"
	case $line in
	PASS*) passed=$((passed + 1)) ;;
	SKIP*) skipped=$((skipped + 1)) ;;
	*) failed=$((failed + 1)) ;;
	esac
done <"$WORK/list"

echo
echo "matrix: ${#cases[@]} cases x ${#compilers[@]} compilers (${compilers[*]}) x $(echo $LEVELS | wc -w) levels ($LEVELS)" \
	"= $((passed + failed + skipped)) combinations: $passed passed, $failed failed, $skipped skipped, $((SECONDS - start)) s"
for cc in "${compilers[@]}"; do
	for l in $LEVELS; do
		p=$(cat "$WORK"/res.*."$cc"."$l" 2>/dev/null | grep -c '^PASS')
		f=$(cat "$WORK"/res.*."$cc"."$l" 2>/dev/null | grep -vc -e '^PASS' -e '^SKIP')
		echo "  $cc -$l: $p passed, $f failed"
	done
done
if [ "${KEEP:-0}" = 1 ]; then echo "# kept $WORK"; else rm -rf "$WORK"; fi
echo "$passed passed, $failed failed"
[ $failed = 0 ]
