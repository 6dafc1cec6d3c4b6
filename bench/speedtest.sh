#!/usr/bin/env bash
# bench/speedtest.sh — the cost of being patchable (part of make bench):
# SQLite's speedtest1 built twice from Debian 12's sqlite3 source package,
# plain (-O2) and patchable (-O2 $(nonstop cflags)), with the same compiler,
# then run in alternating pairs (`speedtest1 --memdb --size N`; the first
# of a pair alternates too). Prints, for both builds, the median CPU time
# (user + sys, the headline: the machine may be shared), the best (least
# disturbed) CPU time of each, and the median of
# speedtest1's own TOTAL (wall time of its tests); the ratio
# patchable / plain of each pair, with its median and min-max; and the code
# size of both (`size`: the text column, the .text section, the functions).
#
# Fetched and built once, under build/speedtest/ (apt-get source into dl/,
# dpkg-source -x into src/, the amalgamation sqlite3.c made by its own
# ./configure && make sqlite3.c, each build into bin/<hash of compiler and
# flags>/); as root on Debian 12 it installs what it needs (build-essential,
# dpkg-dev, tcl8.6) and adds a deb-src entry when apt has none
# (tests/real/lib/debsrc.sh).
#
#   BENCH_SPEED_PAIRS (default 11)      pairs of runs (0: only build)
#   BENCH_SPEED_SIZE (default 150)      speedtest1 --size
#   BENCH_SPEED_FLAGS                   the patchable build's flags after
#                                       -O2 (default: $(nonstop cflags)),
#                                       to measure another layout
#   BENCH_SPEED_PLAIN_FLAGS             flags after -O2 in the plain build
#                                       (default none), to measure one
#                                       factor against another
#   BENCH_SPEED_SQLITE                  the sqlite3 source version (default
#                                       3.40.1-2+deb12u2, Debian 12's)
#   BENCH_SPEED_CPU (default the last)  the CPU every run is pinned to
#   CC (default cc)                     the compiler of both builds
# Exit 1 if the source cannot be had, a build fails, or a run fails.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
NONSTOP=${NONSTOP:-build/nonstop}
CACHE=$ROOT/build/speedtest
PAIRS=${BENCH_SPEED_PAIRS:-11}
SIZE=${BENCH_SPEED_SIZE:-150}
VERSION=${BENCH_SPEED_SQLITE:-3.40.1-2+deb12u2}
CC=${CC:-cc}
# Bumped when the way the amalgamation or a build is made changes.
RECIPE=1

RW_WHO=bench-speedtest
RW_LOGS=$CACHE
mkdir -p "$CACHE"
# shellcheck source-path=SCRIPTDIR source=../tests/real/lib/debsrc.sh
. "$ROOT/tests/real/lib/debsrc.sh"
die() { rw_die "$@"; }

[[ $PAIRS =~ ^[0-9]+$ ]] || die "BENCH_SPEED_PAIRS must be a number, not '$PAIRS'"
[[ $SIZE =~ ^[1-9][0-9]*$ ]] || die "BENCH_SPEED_SIZE must be a positive number, not '$SIZE'"
if [ -z "${BENCH_SPEED_FLAGS+set}" ]; then
	[ -x "$NONSTOP" ] || die "$NONSTOP not found: run make first"
	PATCH_FLAGS=$("$NONSTOP" cflags) || die "nonstop cflags failed"
else
	PATCH_FLAGS=$BENCH_SPEED_FLAGS
fi
PLAIN_FLAGS=${BENCH_SPEED_PLAIN_FLAGS:-}
# Every run on the same core (the last): no migration, the same caches.
CPU=${BENCH_SPEED_CPU:-$(($(nproc) - 1))}
[[ $CPU =~ ^[0-9]+$ ]] || die "BENCH_SPEED_CPU must be a CPU number, not '$CPU'"

# One setup at a time (the cache is shared; each build has its own
# directory, made under a temporary name).
exec 8>"$CACHE/.lock"
flock 8

# --- the tools, the source package, the amalgamation --------------------------

DSC=$CACHE/dl/sqlite3_${VERSION#*:}.dsc
[ -f "$DSC" ] || debsrc_ensure_deb_src
# configure and make sqlite3.c run tclsh8.6 (tool/mksqlite3c.tcl).
debsrc_install cc:build-essential make:build-essential size:binutils \
	dpkg-source:dpkg-dev tclsh8.6:tcl8.6
command -v "$CC" >/dev/null 2>&1 || die "the compiler '$CC' (CC) is not found"
debsrc_fetch sqlite3 "$VERSION" "$CACHE/dl"

SRC=$CACHE/src
AMALG=$SRC/bld
want="recipe=$RECIPE dsc=$(basename "$DSC") sha256=$(sha256sum <"$DSC" | cut -c1-64)"
if [ ! -f "$SRC/.stamp" ] || [ "$(cat "$SRC/.stamp")" != "$want" ] ||
	[ ! -f "$AMALG/sqlite3.c" ]; then
	rw_say "unpacking $(basename "$DSC") into $SRC"
	rm -rf "$SRC" "$CACHE/src.tmp"
	dpkg-source -x "$DSC" "$CACHE/src.tmp" >"$CACHE/unpack.log" 2>&1 ||
		die "dpkg-source -x $DSC failed: $(tail -n 5 "$CACHE/unpack.log")"
	# (dpkg-source leaves copies of the upstream tarballs beside the tree.)
	rm -f "$CACHE"/sqlite3_*.orig*.tar.*
	mkdir -p "$CACHE/src.tmp/bld"
	rw_say "the amalgamation: ./configure --disable-tcl && make sqlite3.c (log: $CACHE/amalgamation.log)"
	(cd "$CACHE/src.tmp/bld" && nice -n 10 ../configure --disable-tcl &&
		nice -n 10 make -j2 sqlite3.c) >"$CACHE/amalgamation.log" 2>&1 ||
		die "making sqlite3.c failed: $(tail -n 15 "$CACHE/amalgamation.log")"
	[ -f "$CACHE/src.tmp/bld/sqlite3.c" ] || die "make sqlite3.c made no sqlite3.c"
	echo "$want" >"$CACHE/src.tmp/.stamp"
	mv "$CACHE/src.tmp" "$SRC"
fi
SQLITE_VERSION=$(sed -n 's/^#define SQLITE_VERSION  *"\(.*\)"/\1/p' "$AMALG/sqlite3.h")
UPSTREAM=${VERSION#*:}
UPSTREAM=${UPSTREAM%-*}
[ "$SQLITE_VERSION $(cat "$SRC/VERSION")" = "$UPSTREAM $UPSTREAM" ] ||
	die "the amalgamation is SQLite '$SQLITE_VERSION', the tree $(cat "$SRC/VERSION"), the package $VERSION"
[ "$(grep -cE '"(memdb|size)"\)==0' "$SRC/test/speedtest1.c")" = 2 ] ||
	die "this speedtest1.c has no --memdb or --size option"
exec 8>&-

# --- the two builds -----------------------------------------------------------

CC_VERSION=$("$CC" --version | head -n 1)
# As test/speedtest1's rule in SQLite's Makefile.in (ST_OPT), with the
# configure's config.h.
DEFS="-DSQLITE_OS_KV_OPTIONAL -D_HAVE_SQLITE_CONFIG_H -I$AMALG"

# build_dir FLAGS: the directory of the build with -O2 FLAGS.
build_dir() {
	echo "$CACHE/bin/$(printf '%s\n' "$RECIPE" "$want" "$CC" "$CC_VERSION" "-O2 $1" |
		sha256sum | cut -c1-12)"
}

# build FLAGS: builds speedtest1 with -O2 FLAGS into build_dir (unless
# already there). The compiler's output goes to build.log there.
build() {
	local dir tmp
	dir=$(build_dir "$1")
	[ -x "$dir/speedtest1" ] && return 0
	mkdir -p "$CACHE/bin"
	tmp=$(mktemp -d "$dir.tmp.XXXXXX")
	echo "$CC -O2 $1 $DEFS" >"$tmp/flags"
	# shellcheck disable=SC2086 # the flags are words
	if ! nice -n 10 "$CC" -O2 $1 $DEFS -o "$tmp/speedtest1" \
		"$SRC/test/speedtest1.c" "$AMALG/sqlite3.c" -lm -lpthread \
		>"$tmp/build.log" 2>&1; then
		rw_say "FAILED: $CC -O2 $1 (log: $tmp/build.log): $(tail -n 15 "$tmp/build.log")"
		return 1
	fi
	rm -rf "$dir"
	mv "$tmp" "$dir"
}

PLAIN=$(build_dir "$PLAIN_FLAGS")/speedtest1
PATCH=$(build_dir "$PATCH_FLAGS")/speedtest1
[ "$PLAIN" != "$PATCH" ] || die "the plain and patchable flags are the same: '$PLAIN_FLAGS'"
pids=()
for f in "$PLAIN_FLAGS" "$PATCH_FLAGS"; do
	[ -x "$(build_dir "$f")/speedtest1" ] && continue
	rw_say "building speedtest1: $CC -O2 $f (a few minutes)"
	build "$f" &
	pids+=($!)
done
failed=0
for p in ${pids[@]+"${pids[@]}"}; do
	wait "$p" || failed=1
done
[ $failed = 0 ] || die "a build of speedtest1 failed"
if [ "$PAIRS" = 0 ]; then
	rw_say "built (BENCH_SPEED_PAIRS=0: no runs): $PLAIN, $PATCH"
	exit 0
fi

# --- the runs -----------------------------------------------------------------

# One measurement at a time (they would slow each other down).
exec 8>"$CACHE/.lock"
flock 8
RUNS=$CACHE/runs
rm -rf "$RUNS"
mkdir -p "$RUNS"

# run BIN NAME: runs BIN once; appends its CPU time (user + sys, s) to
# NAME.cpu and speedtest1's TOTAL (s) to NAME.total.
run() {
	local out=$RUNS/$2.out t total
	TIMEFORMAT='%U %S'
	{ time taskset -c "$CPU" "$1" --memdb --size "$SIZE" >"$out" 2>&1; } 2>"$RUNS/$2.time" ||
		die "$1 --memdb --size $SIZE failed: $(tail -n 5 "$out")"
	t=$(awk '{printf "%.3f", $1 + $2}' "$RUNS/$2.time")
	total=$(sed -n 's/^ *TOTAL\.*  *\([0-9.]*\)s$/\1/p' "$out")
	[ -n "$total" ] || die "$1 printed no TOTAL: $(tail -n 5 "$out")"
	echo "$t" >>"$RUNS/$2.cpu"
	echo "$total" >>"$RUNS/$2.total"
}
median() { sort -g | awk '{v[NR]=$1} END {if (!NR) print "-"; else printf "%.4f\n", NR%2 ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'; }
# ratios NAME: patch / plain of each pair's NAME (cpu or total), one a line.
ratios() { paste "$RUNS/patch.$1" "$RUNS/plain.$1" | awk '{printf "%.4f\n", $1 / $2}'; }
# spread NAME: "median (min-max)" of the pairs' ratios, as percent slower.
spread() {
	ratios "$1" | sort -g | awk '{v[NR]=$1} END {
		m = NR%2 ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2
		printf "%+.2f %% (%+.2f .. %+.2f)", (m-1)*100, (v[1]-1)*100, (v[NR]-1)*100}'
}

echo "nonstop bench: the cost of being patchable: SQLite $SQLITE_VERSION speedtest1 --memdb --size $SIZE (Debian sqlite3 $VERSION), $CC_VERSION"
echo "  plain:     -O2${PLAIN_FLAGS:+ $PLAIN_FLAGS}"
echo "  patchable: -O2${PATCH_FLAGS:+ $PATCH_FLAGS}"
echo "$PAIRS alternating pairs (and one discarded warm-up run of each); CPU time = user + sys"
echo
# A warm-up of each: page cache, CPU frequency.
run "$PLAIN" warm
run "$PATCH" warm
printf '%4s  %10s %10s %7s  %10s %10s %7s\n' pair "plain cpu" "patch cpu" ratio "plain tot" "patch tot" ratio
printf '%4s  %10s %10s %7s  %10s %10s %7s\n' ---- ---------- ---------- ------- ---------- ---------- -------
for i in $(seq "$PAIRS"); do
	if [ $((i % 2)) = 1 ]; then
		run "$PLAIN" plain
		run "$PATCH" patch
	else
		run "$PATCH" patch
		run "$PLAIN" plain
	fi
	printf '%4s  %10s %10s %7s  %10s %10s %7s\n' "$i" \
		"$(tail -n 1 "$RUNS/plain.cpu")" "$(tail -n 1 "$RUNS/patch.cpu")" \
		"$(ratios cpu | tail -n 1)" \
		"$(tail -n 1 "$RUNS/plain.total")" "$(tail -n 1 "$RUNS/patch.total")" \
		"$(ratios total | tail -n 1)"
done

# The text and data columns of `size` (text: code, read-only data and the
# dynamic relocations, which in a PIE hold one for each entry of the
# patchable-entry list; data: the list itself), the .text section, and the
# functions of BIN.
text() { size "$1" | awk 'NR == 2 {print $1}'; }
data() { size "$1" | awk 'NR == 2 {print $2}'; }
dottext() { size -A "$1" | awk '$1 == ".text" {print $2}'; }
functions() { nm --defined-only "$1" | grep -c ' [tT] '; }
pct() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%+.2f %%", (a / b - 1) * 100}'; }
best() { sort -g | head -n 1; }
pc=$(median <"$RUNS/plain.cpu") tc=$(median <"$RUNS/patch.cpu")
pb=$(best <"$RUNS/plain.cpu") tb=$(best <"$RUNS/patch.cpu")
pt=$(median <"$RUNS/plain.total") tt=$(median <"$RUNS/patch.total")
echo
printf '%-28s %12s %12s %s\n' "" plain patchable "patchable vs plain"
printf '%-28s %12s %12s %s\n' "CPU time, median (s)" "$pc" "$tc" "$(pct "$tc" "$pc")"
printf '%-28s %12s %12s %s\n' "CPU time, best (s)" "$pb" "$tb" "$(pct "$tb" "$pb")"
printf '%-28s %12s %12s %s\n' "TOTAL, median (s)" "$pt" "$tt" "$(pct "$tt" "$pt")"
printf '%-28s %12s %12s %s\n' "size: text (bytes)" "$(text "$PLAIN")" "$(text "$PATCH")" \
	"$(pct "$(text "$PATCH")" "$(text "$PLAIN")")"
printf '%-28s %12s %12s %s\n' "size: data (bytes)" "$(data "$PLAIN")" "$(data "$PATCH")" \
	"$(pct "$(data "$PATCH")" "$(data "$PLAIN")")"
printf '%-28s %12s %12s %s\n' "size: .text section (bytes)" "$(dottext "$PLAIN")" "$(dottext "$PATCH")" \
	"$(pct "$(dottext "$PATCH")" "$(dottext "$PLAIN")")"
printf '%-28s %12s %12s\n' "functions (nm t/T)" "$(functions "$PLAIN")" "$(functions "$PATCH")"
echo
echo "per-pair ratio patchable/plain, median (min .. max) over $PAIRS pairs:"
echo "  CPU time: $(spread cpu)"
echo "  TOTAL:    $(spread total)"
