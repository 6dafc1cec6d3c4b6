# timeout: 600
# The Debian packages, built from the tree (make deb: scripts/deb.sh,
# debian/, dpkg-buildpackage) and lintian clean, installed on this machine
# with apt-get: nonstop --version, man nonstop, bash completion and
# pkg-config work from the installed files, and the installed nonstop runs
# the live-patch demo on a server built with the installed nonstop.h and
# libnonstop (0 failed requests, per-thread mode). The packages are purged at the
# end, unless they were installed before the test.
. "$TEST_LIB"
[ "$(id -u)" = 0 ] || fail "needs root (it installs packages)"
PKGS=(nonstop libnonstop0 libnonstop-dev)
if dpkg -s nonstop >/dev/null 2>&1; then
	fail "the nonstop package is already installed here: remove it first (dpkg --purge ${PKGS[*]})"
fi
purge() { dpkg --purge "${PKGS[@]}" >/dev/null 2>&1 || true; }
on_exit purge

DEB_OUT=$PWD/deb bash "$ROOT/scripts/deb.sh" >deb.log 2>&1 ||
	fail "make deb failed: $(tail -20 deb.log)"
for p in "${PKGS[@]}"; do
	ls deb/"${p}"_*_amd64.deb >/dev/null 2>&1 || fail "no package $p: $(ls deb)"
done
# man(1) and the completion's loader, where this machine lacks them.
command -v man >/dev/null || apt-get install -y -qq man-db >/dev/null 2>&1
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ./deb/nonstop_*.deb \
	./deb/libnonstop0_*.deb ./deb/libnonstop-dev_*.deb >apt.log 2>&1 ||
	fail "the packages do not install: $(tail -10 apt.log)"

[ "$(/usr/bin/nonstop --version)" = "nonstop 0.1" ] || fail "installed --version: $(/usr/bin/nonstop --version)"
[ "$(man -w nonstop)" = /usr/share/man/man1/nonstop.1.gz ] || fail "man -w nonstop: $(man -w nonstop 2>&1)"
MANPAGER=cat MANWIDTH=80 man nonstop 2>man.err >man.out || fail "man nonstop: $(cat man.err)"
grep -q "update a running C program" man.out || fail "man nonstop: $(head -5 man.out)"
MANPAGER=cat man 3 libnonstop 2>/dev/null | grep -q nonstop_update_point || fail "man 3 libnonstop"
comp=$(bash -c '. /usr/share/bash-completion/completions/nonstop; COMP_WORDS=(nonstop sta); COMP_CWORD=1; _nonstop; echo "${COMPREPLY[@]}"')
[ "$comp" = status ] || fail "completion: '$comp'"
[ "$(pkg-config --variable=patchflags nonstop)" = "$(/usr/bin/nonstop cflags)" ] ||
	fail "pkg-config patchflags"
pkg-config --cflags nonstop >/dev/null || fail "pkg-config --cflags nonstop"
[ "$(pkg-config --libs nonstop | xargs)" = -lnonstop ] || fail "pkg-config --libs: $(pkg-config --libs nonstop)"
[ -e /usr/lib/x86_64-linux-gnu/libnonstop.so.0 ] || fail "no libnonstop.so.0"

# The demo with the installed nonstop, nonstop.h and libnonstop.so.0.
out=$PWD/demo
DEMO_OUT=$out DEMO_LOAD_SECONDS=60 NONSTOP=/usr/bin/nonstop DEMO_INSTALLED=1 \
	bash "$ROOT/examples/demo/demo.sh" >demo.log 2>&1 || {
	tail -n 30 demo.log
	fail "the demo failed with the installed nonstop"
}
grep -q 'OK: 0 failed requests' demo.log || fail "the demo did not end with 0 failed requests"
grep -q 'per-thread mode' demo.log || fail "the demo's server did not run the installed libnonstop"
ldd "$out/v1/server" | grep -qE '=> (/usr)?/lib/x86_64-linux-gnu/libnonstop.so.0 ' ||
	fail "the demo's server does not load the installed libnonstop: $(ldd "$out/v1/server")"
note "$(grep -E '^(load client|apply|revert):' demo.log)"
