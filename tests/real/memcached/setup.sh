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
#   1. a deb-src entry for the Debian suites apt already uses
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

say() { echo "setup-memcached: $*" >&2; }
die() {
	say "FAILED: $*"
	exit 1
}

[ -x "$NONSTOP" ] || die "$NONSTOP not found: run make first"
command -v apt-get >/dev/null 2>&1 ||
	die "apt-get not found: this setup needs Debian 12 (bookworm) and its package sources"
mkdir -p "$CACHE"
# One setup at a time (make check and make real-memcached may overlap).
exec 8>"$CACHE/.lock"
flock 8

APT_ENV=(env DEBIAN_FRONTEND=noninteractive)
updated=0
apt_update() {
	[ $updated = 1 ] && return 0
	say "apt-get update"
	"${APT_ENV[@]}" apt-get update -qq --error-on=any >"$CACHE/apt-update.log" 2>&1 ||
		die "apt-get update failed (no network, or no Debian mirror reachable?): $(tail -n 5 "$CACHE/apt-update.log")"
	updated=1
}

# --- the deb-src entry, the tools, the source package ---------------------------

# has_deb_src: apt has at least one enabled deb-src entry.
has_deb_src() {
	grep -qsE '^[[:space:]]*deb-src[[:space:]]' /etc/apt/sources.list /etc/apt/sources.list.d/*.list ||
		grep -qsiE '^Types:.*\bdeb-src\b' /etc/apt/sources.list.d/*.sources
}

# deb_src_stanzas: prints one deb822 deb-src stanza per Debian bookworm
# "deb" entry apt has (one-line .list entries and deb822 .sources
# stanzas alike), with the same URIs, suites, components and key.
deb_src_stanzas() {
	local f
	# One-line format: deb [options] URI SUITE COMPONENT...
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
		[ -f "$f" ] || continue
		awk '$1 == "deb" {
			i = 2; signed = ""
			if ($2 ~ /^\[/) {
				for (; i <= NF; i++) {
					if ($i ~ /^\[?signed-by=/) { s = $i; sub(/^\[?signed-by=/, "", s); sub(/\]$/, "", s); signed = s }
					if ($i ~ /\]$/) { i++; break }
				}
			}
			uri = $i; suite = $(i + 1); comps = ""
			for (j = i + 2; j <= NF; j++) comps = comps (comps == "" ? "" : " ") $j
			if (suite !~ /^bookworm(-updates|-security|\/updates)?$/) next
			print "Types: deb-src"; print "URIs: " uri; print "Suites: " suite
			print "Components: " comps
			if (signed != "") print "Signed-By: " signed
			print ""
		}' "$f"
	done
	# deb822 format: stanzas separated by blank lines.
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] || continue
		awk 'BEGIN { RS = ""; FS = "\n" }
		{
			types = ""; uris = ""; suites = ""; comps = ""; signed = ""; enabled = "yes"
			for (i = 1; i <= NF; i++) {
				line = $i
				if (line ~ /^#/) continue
				split(line, kv, /:[ \t]*/)
				key = tolower(kv[1]); val = substr(line, length(kv[1]) + 2); sub(/^[ \t]+/, "", val)
				if (key == "types") types = val
				else if (key == "uris") uris = val
				else if (key == "suites") suites = val
				else if (key == "components") comps = val
				else if (key == "signed-by") signed = val
				else if (key == "enabled") enabled = tolower(val)
			}
			if (enabled == "no" || types !~ /(^| )deb( |$)/) next
			n = split(suites, s, /[ \t]+/); keep = ""
			for (j = 1; j <= n; j++)
				if (s[j] ~ /^bookworm(-updates|-security)?$/) keep = keep (keep == "" ? "" : " ") s[j]
			if (keep == "") next
			print "Types: deb-src"; print "URIs: " uris; print "Suites: " keep
			print "Components: " comps
			if (signed != "") print "Signed-By: " signed
			print ""
		}' "$f"
	done
}

dsc() { ls "$CACHE"/dl/memcached_"$UPSTREAM"-*.dsc 2>/dev/null | sort -V | tail -n 1; }

# 1. A deb-src entry (before any apt-get update, so that one update does).
if [ -z "$(dsc)" ] && ! has_deb_src; then
	[ "$(id -u)" = 0 ] ||
		die "apt has no deb-src entry: as root, run this script again (it adds one), or add one yourself"
	stanzas=$(deb_src_stanzas)
	[ -n "$stanzas" ] ||
		die "apt has no Debian bookworm 'deb' entry to derive a deb-src entry from (is this Debian 12?)"
	say "adding deb-src entries: /etc/apt/sources.list.d/nonstop-deb-src.sources"
	printf '# Added by nonstop tests/real/memcached/setup.sh: source packages\n# for the suites of the deb entries, for apt-get source.\n%s\n' \
		"$stanzas" >/etc/apt/sources.list.d/nonstop-deb-src.sources
fi

# 2. The build tools.
need=()
command -v dpkg-source >/dev/null 2>&1 || need+=(dpkg-dev)
[ -f /usr/include/event2/event.h ] || need+=(libevent-dev)
command -v gcc >/dev/null 2>&1 || need+=(gcc)
command -v make >/dev/null 2>&1 || need+=(make)
if [ ${#need[@]} -gt 0 ]; then
	[ "$(id -u)" = 0 ] ||
		die "missing: ${need[*]}; install them with: sudo apt-get install -y ${need[*]}"
	apt_update
	say "apt-get install ${need[*]}"
	"${APT_ENV[@]}" apt-get install -y -qq "${need[@]}" >"$CACHE/apt-install.log" 2>&1 ||
		die "apt-get install ${need[*]} failed: $(tail -n 5 "$CACHE/apt-install.log")"
fi

# 3. The source package.
if [ -z "$(dsc)" ]; then
	apt_update
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
