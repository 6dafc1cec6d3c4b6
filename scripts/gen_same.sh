#!/usr/bin/env bash
# scripts/gen_same.sh — do two nonstop binaries generate the same patches?
#
#   bash scripts/gen_same.sh OLD_NONSTOP [NEW_NONSTOP]    (NEW: build/nonstop)
#
# A check for changes to the generator that must not change what it does
# (issue 12): every patch the tests build is built with both binaries, and
# the outputs must be the same bytes. The inputs are made once and shared:
#
#   tests/cases/CASE       v1 and every later version dir (each laid over
#                          v1, as tests/lib.sh build_version does), gcc -O2
#                          as the tests compile them (with -I of src/
#                          and lib/, which a few cases use); v1 -> each version,
#                          and each version -> the next with --new-binary
#   tests/gen/cases/CASE   v2 laid over v1, gcc and clang x -O0 -O2 -O3 with
#                          the case's cflags, as tests/gen/run_corpus.sh
#   tests/src_cases/*      build --src with each *.diff, and --rewrite-diff
#
# Each patch is built twice: as the tests build it, and with -v,
# --emit-transformer and (when the new version linked) --new-binary. For
# each build the exit code, stdout, stderr, the patch file and the emitted
# transformer source must be identical (so refusals must say the same).
# --src runs get the same --work path (the first run's is moved aside), since
# it is printed and compiled into the objects. Prints one line per case that
# differs, and ends with "N passed, N failed" (one per build compared).
# Environment: JOBS (default 2), KEEP=1 keeps the work directory.
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
OLD=$(realpath "${1:?usage: gen_same.sh OLD_NONSTOP [NEW_NONSTOP]}")
NEW=$(realpath "${2:-$ROOT/build/nonstop}")
shift $(($# >= 2 ? 2 : 1))
# The source trees of tests/src_cases build with $(NONSTOP) cflags.
export NONSTOP=$NEW

# same DIR ARGS...: in DIR, `nonstop build ARGS` with OLD then NEW, the
# patch always -o p.nsp and a transformer always xf.c; prints "same TAG" or
# "DIFF TAG: what".
same() {
	local d=$1 tag=$2 bin who diff=""
	shift 2
	for who in old new; do
		bin=$OLD
		[ $who = new ] && bin=$NEW
		rm -rf "$d/p.nsp" "$d/xf.c"
		(cd "$d" && timeout -k 5 120 "$bin" build "$@" >"$who.out" 2>"$who.err"
		 echo $? >"$who.rc")
		[ -e "$d/p.nsp" ] && mv "$d/p.nsp" "$d/$who.nsp"
		[ -e "$d/xf.c" ] && mv "$d/xf.c" "$d/$who.xf.c"
		[ -e "$d/w" ] && mv "$d/w" "$d/w.$who"
	done
	local f
	for f in rc out err nsp xf.c; do
		if [ -e "$d/old.$f" ] || [ -e "$d/new.$f" ]; then
			cmp -s "$d/old.$f" "$d/new.$f" || diff="$diff $f"
		fi
	done
	if [ -n "$diff" ]; then
		echo "DIFF $tag:$diff (exit $(cat "$d/old.rc") / $(cat "$d/new.rc"))"
		cp -r "$d" "$d.$(echo "$tag" | tr ' /' '__')"
	else
		echo "same $tag (exit $(cat "$d/new.rc"))"
	fi
	rm -rf "$d"/old.* "$d"/new.* "$d"/w.old "$d"/w.new
}

# both DIR TAG OLDV NEWV: the two ways of building OLDV -> NEWV in DIR.
both() {
	local d=$1 tag=$2 o=$3 n=$4 nb=()
	[ -x "$d/$n/prog" ] && nb=(--new-binary "$n/prog")
	same "$d" "$tag $o->$n" -o p.nsp --binary "$o/prog" "$o" "$n"
	same "$d" "$tag $o->$n -v" -v -o p.nsp --binary "$o/prog" ${nb[@]+"${nb[@]}"} \
		--emit-transformer xf.c "$o" "$n"
}

# compile CC FLAGS SRCDIR OBJDIR: every SRCDIR/*.c by base name, from inside
# SRCDIR (as the tests do), with $(nonstop cflags) and FLAGS (one word list).
compile() {
	local cc=$1 flags=$2 src=$3 obj=$4 f
	mkdir -p "$obj"
	for f in "$src"/*.c; do
		f=${f##*/}
		# shellcheck disable=SC2086
		(cd "$src" && $cc $("$NEW" cflags) $flags -c "$f" -o "$obj/${f%.c}.o") \
			>/dev/null 2>&1 || return 1
	done
}

# one_case CASE WORK: a case of tests/cases.
one_case() {
	local c=$1 d=$2/case-$1 v vs=() i
	mkdir -p "$d"
	for v in "$ROOT/tests/cases/$c"/v*/; do
		v=$(basename "$v")
		[ "$v" = v1 ] || vs+=("$v")
	done
	for v in v1 ${vs[@]+"${vs[@]}"}; do
		mkdir -p "$d/src-$v"
		cp "$ROOT/tests/cases/$c/v1"/*.c "$d/src-$v"/
		cp "$ROOT/tests/cases/$c/$v"/*.c "$d/src-$v"/
		compile gcc "-O2 -std=gnu11 -Wall -pthread -I$ROOT/include -I$ROOT/src -I$ROOT/lib" "$d/src-$v" "$d/$v" ||
			{ echo "FAIL case $c: cannot compile $v"; return; }
		gcc -pthread -o "$d/$v/prog" "$d/$v"/*.o >/dev/null 2>&1 || rm -f "$d/$v/prog"
	done
	for v in ${vs[@]+"${vs[@]}"}; do
		both "$d" "case $c" v1 "$v"
	done
	for ((i = 0; i + 1 < ${#vs[@]}; i++)); do
		[ -x "$d/${vs[i]}/prog" ] && both "$d" "case $c" "${vs[i]}" "${vs[i + 1]}"
	done
}

# one_gen CASE CC LEVEL WORK: a case of the generator corpus.
one_gen() {
	local c=$1 cc=$2 l=$3 cdir=$ROOT/tests/gen/cases/$1 d=$4/gen-$1-$2-$3
	local extra="" ldextra="" f v
	[ -f "$cdir/expect" ] || return 0
	grep -Eq "^skip(@$cc|@$l|@$cc-$l)?:" "$cdir/expect" && {
		echo "skip gen $c $cc -$l"; return 0; }
	[ -f "$cdir/cflags" ] && extra=$(grep -v '^#' "$cdir/cflags" | tr '\n' ' ')
	[ -f "$cdir/cflags@$cc" ] && extra="$extra $(grep -v '^#' "$cdir/cflags@$cc" | tr '\n' ' ')"
	[ -f "$cdir/ldflags" ] && ldextra=$(grep -v '^#' "$cdir/ldflags" | tr '\n' ' ')
	mkdir -p "$d/src"
	cp "$cdir"/v1/*.c "$d/src"/
	compile "$cc" "-$l -std=gnu11 -pthread -I$ROOT/include $extra" "$d/src" "$d/v1" ||
		{ echo "FAIL gen $c $cc -$l: cannot compile v1"; return; }
	mkdir -p "$d/v2"
	cp "$d"/v1/*.o "$d/v2"/
	# Only v2's own files are compiled again (the others are v1's objects).
	for f in "$cdir"/v2/*.c; do
		[ -f "$f" ] || continue
		cp "$f" "$d/src"/
		f=${f##*/}
		# shellcheck disable=SC2086
		(cd "$d/src" && $cc $("$NEW" cflags) -"$l" -std=gnu11 -pthread \
			-I"$ROOT/include" $extra -c "$f" -o "$d/v2/${f%.c}.o") >/dev/null 2>&1 ||
			{ echo "FAIL gen $c $cc -$l: cannot compile v2/$f"; return; }
	done
	for v in v1 v2; do
		# shellcheck disable=SC2086
		$cc -pthread $extra $ldextra -o "$d/$v/prog" "$d/$v"/*.o >/dev/null 2>&1 ||
			rm -f "$d/$v/prog"
	done
	[ -x "$d/v1/prog" ] || { echo "FAIL gen $c $cc -$l: cannot link v1"; return; }
	both "$d" "gen $c $cc -$l" v1 v2
}

# one_src WORK: tests/src_cases (build --src, --rewrite-diff).
one_src() {
	local s d fx
	for s in "$ROOT/tests/src_cases"/*/; do
		d=$1/src-$(basename "$s")
		mkdir -p "$d"
		cp -a "$s" "$d/src"
		make -s -C "$d/src" >/dev/null 2>&1 || { echo "FAIL src $s: cannot build"; continue; }
		for fx in "$s"/*.diff; do
			same "$d" "src $(basename "$s") $(basename "$fx")" \
				-o p.nsp --src src --diff "$fx" --work w
			same "$d" "src $(basename "$s") $(basename "$fx") -v" \
				-v -o p.nsp --src src --diff "$fx" --work w --emit-transformer xf.c
			same "$d" "src $(basename "$s") --rewrite-diff $(basename "$fx")" \
				--rewrite-diff "$fx"
		done
	done
}

case ${1:-} in
--case) one_case "$2" "$3"; exit 0 ;;
--gen) one_gen "$2" "$3" "$4" "$5"; exit 0 ;;
--src) one_src "$2"; exit 0 ;;
esac

[ "$("$OLD" cflags)" = "$("$NEW" cflags)" ] || echo "DIFF: nonstop cflags"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/gen-same.XXXXXX")
{
	for c in "$ROOT/tests/cases"/*/; do echo "--case $(basename "$c") $WORK"; done
	for c in "$ROOT/tests/gen/cases"/*/; do
		for cc in gcc clang; do
			for l in O0 O2 O3; do echo "--gen $(basename "$c") $cc $l $WORK"; done
		done
	done
	echo "--src $WORK"
} >"$WORK/list"
xargs -P "${JOBS:-2}" -L 1 bash "$HERE/gen_same.sh" "$OLD" "$NEW" <"$WORK/list" >"$WORK/log" 2>&1
grep -v '^same ' "$WORK/log"
passed=$(grep -c '^same ' "$WORK/log")
failed=$(grep -c -e '^DIFF' -e '^FAIL' "$WORK/log")
echo "# $(grep -c '^skip ' "$WORK/log") skipped combinations; log: $WORK/log"
[ "${KEEP:-0}" = 1 ] || { cp "$WORK/log" "${TMPDIR:-/tmp}/gen-same.log"; rm -rf "$WORK"; }
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
