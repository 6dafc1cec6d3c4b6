#!/usr/bin/env bash
# tests/real/memcached/setup.sh — fetches memcached from Debian's source
# package and builds it, unmodified, with `nonstop cflags`, through its own
# build (./configure && make). Run by tests/t_real_memcached.sh; safe to
# run by hand:
#
#   bash tests/real/memcached/setup.sh      (after make)
#
# Done once, then reused (each step skips when its result is there):
#
#   1. (tests/real/lib/debsrc.sh, shared with tests/real/series.sh)
#      a deb-src entry for the Debian suites apt already uses
#      (/etc/apt/sources.list.d/nonstop-deb-src.sources, the same URIs,
#      suites, components and key as the machine's "deb" entries), only
#      when apt has no deb-src entry at all;
#   2. the tools and libraries the build needs (dpkg-dev for dpkg-source,
#      libevent-dev, gcc, make), installed with apt-get when missing: as
#      root on Debian; otherwise this names them and fails;
#   3. apt-get update (once, when 2 or 3 needs it), apt-get source
#      --download-only memcached into build/real/memcached/dl (the .dsc
#      and its tarballs);
#   4. dpkg-source -x into build/real/memcached/tree (Debian's patches
#      applied, as Debian builds it), then
#      ./configure CFLAGS="-O2 $(nonstop cflags)" && make.
#
# The built tree is rebuilt from dl/ when what it was built from changes
# (the .dsc, the flags, or this script's build recipe). MEMCACHED_JOBS
# (default 2) is make's -j. Prints the tree's path on its last line.
# Exit 0 when the tree is built, 1 with a message saying what failed.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
NONSTOP=${NONSTOP:-$ROOT/build/nonstop}
CACHE=$ROOT/build/real/memcached
UPSTREAM=1.6.18
# Bumped when the build recipe below changes, so that old trees are rebuilt.
RECIPE=1

RW_WHO=setup-memcached
RW_LOGS=$CACHE
mkdir -p "$CACHE"
# shellcheck source=../lib/debsrc.sh
. "$ROOT/tests/real/lib/debsrc.sh"
say() { rw_say "$@"; }
die() { rw_die "$@"; }

[ -x "$NONSTOP" ] || die "$NONSTOP not found: run make first"
# One setup at a time (make check and make real-memcached may overlap).
exec 8>"$CACHE/.lock"
flock 8

# --- the deb-src entry, the tools, the source package ---------------------------

dsc() { ls "$CACHE"/dl/memcached_"$UPSTREAM"-*.dsc 2>/dev/null | sort -V | tail -n 1; }

# 1. A deb-src entry (before any apt-get update, so that one update does).
[ -n "$(dsc)" ] || debsrc_ensure_deb_src

# 2. The build tools.
debsrc_install dpkg-source:dpkg-dev /usr/include/event2/event.h:libevent-dev gcc:gcc make:make

# 3. The source package.
if [ -z "$(dsc)" ]; then
	debsrc_apt_update
	rm -rf "$CACHE/dl.tmp"
	mkdir -p "$CACHE/dl.tmp"
	say "apt-get source --download-only memcached"
	(cd "$CACHE/dl.tmp" && "${APT_ENV[@]}" apt-get source --download-only -qq memcached) \
		>"$CACHE/apt-source.log" 2>&1 ||
		die "apt-get source memcached failed: $(tail -n 5 "$CACHE/apt-source.log")"
	ls "$CACHE"/dl.tmp/memcached_"$UPSTREAM"-*.dsc >/dev/null 2>&1 ||
		die "apt-get source fetched $(cd "$CACHE/dl.tmp" && ls ./*.dsc 2>/dev/null || echo nothing), not memcached $UPSTREAM (bookworm's): this test's fix is made for $UPSTREAM"
	rm -rf "$CACHE/dl"
	mv "$CACHE/dl.tmp" "$CACHE/dl"
fi
DSC=$(dsc)

# --- 4. the build ---------------------------------------------------------------

CFLAGS="-O2 $("$NONSTOP" cflags)" || die "nonstop cflags failed"
TREE=$CACHE/tree
STAMP=$TREE/.nonstop-setup
want="recipe=$RECIPE dsc=$(basename "$DSC") sha256=$(sha256sum <"$DSC" | cut -c1-64) cflags=$CFLAGS"
if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$want" ] && [ -x "$TREE/memcached" ]; then
	say "up to date: $TREE ($(basename "$DSC"))"
	echo "$TREE"
	exit 0
fi

say "unpacking $(basename "$DSC") into $TREE"
rm -rf "$TREE" "$CACHE/tree.tmp"
dpkg-source -x "$DSC" "$CACHE/tree.tmp" >"$CACHE/unpack.log" 2>&1 ||
	die "dpkg-source -x $DSC failed: $(tail -n 5 "$CACHE/unpack.log")"
# (dpkg-source leaves a copy of the upstream tarball beside the tree.)
rm -f "$CACHE"/memcached_"$UPSTREAM".orig.tar.*
mv "$CACHE/tree.tmp" "$TREE"
say "./configure CFLAGS=\"$CFLAGS\" (log: $CACHE/configure.log)"
(cd "$TREE" && nice -n 10 ./configure CFLAGS="$CFLAGS") >"$CACHE/configure.log" 2>&1 ||
	die "configure failed: $(tail -n 15 "$CACHE/configure.log")"
say "make -j${MEMCACHED_JOBS:-2} (log: $CACHE/make.log)"
(cd "$TREE" && nice -n 10 make -j"${MEMCACHED_JOBS:-2}") >"$CACHE/make.log" 2>&1 ||
	die "make failed: $(tail -n 15 "$CACHE/make.log")"
[ -x "$TREE/memcached" ] || die "make did not produce $TREE/memcached"
grep -q -- '-fpatchable-function-entry' "$CACHE/make.log" ||
	die "the build did not use nonstop's flags (no -fpatchable-function-entry in $CACHE/make.log)"
echo "$want" >"$STAMP"
say "built $TREE/memcached: $("$TREE/memcached" -V)"
echo "$TREE"
