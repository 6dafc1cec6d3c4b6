#!/usr/bin/env bash
# scripts/deb.sh (make deb) — builds the Debian packages nonstop,
# libnonstop0 and libnonstop-dev from this tree (debian/), in a copy of
# its files under build/deb/ (dpkg-buildpackage writes next to the tree),
# and runs lintian on them. The .deb files end in build/deb/ (DEB_OUT). As root on
# Debian, installs the tools it needs (dpkg-dev, debhelper, lintian) and
# the build dependencies.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OUT=${DEB_OUT:-$ROOT/build/deb}
die() { echo "deb: $*" >&2; exit 1; }

need=""
command -v dpkg-buildpackage >/dev/null || need="$need dpkg-dev"
command -v dh >/dev/null || need="$need debhelper"
command -v lintian >/dev/null || need="$need lintian"
if [ -n "$need" ]; then
	[ "$(id -u)" = 0 ] && command -v apt-get >/dev/null ||
		die "missing:$need (apt-get install$need)"
	echo "deb: installing$need"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $need >/dev/null ||
		die "apt-get install$need failed"
fi
sh "$ROOT/scripts/deps.sh" build

version=$(dpkg-parsechangelog -l "$ROOT/debian/changelog" -S Version)
rm -rf "$OUT"
mkdir -p "$OUT/nonstop-$version"
# The tree's files, without what a build made.
(cd "$ROOT" && git ls-files -z 2>/dev/null || find . -path ./build -prune -o -path ./.git -prune -o -type f -print0) |
	(cd "$ROOT" && xargs -0 cp --parents -t "$OUT/nonstop-$version")
(cd "$OUT/nonstop-$version" && dpkg-buildpackage -us -uc -b) >"$OUT/build.log" 2>&1 ||
	die "dpkg-buildpackage failed (see $OUT/build.log): $(tail -20 "$OUT/build.log")"
rm -rf "$OUT/nonstop-$version"
ls "$OUT"/*.deb
# Lintian's verdict; warnings and errors fail (debian/ explains what it
# overrides).
lintian --fail-on warning,error "$OUT"/*.changes | tee "$OUT/lintian.log"
