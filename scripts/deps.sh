#!/bin/sh
# Checks the dependencies of one step of nonstop's: `build` (the default:
# make, make install) or `test` (make check, make bench: the build's and
# the tools the tests use). On Debian, as root, installs the missing ones
# with apt-get; otherwise names what to install and fails.
step=${1:-build}
need=""
case $step in
build|test) ;;
*) echo "usage: sh scripts/deps.sh [build|test]" >&2; exit 2 ;;
esac
# -- to build nonstop and libnonstop --
[ -f /usr/include/gelf.h ]                 || need="$need libelf-dev"
[ -f /usr/include/elfutils/libdwfl.h ]     || need="$need libdw-dev"
[ -f /usr/include/openssl/evp.h ]          || need="$need libssl-dev"
# seccomp filters are evaluated with libpcap's classic BPF interpreter
# (loaded with dlopen when a filter is met: libpcap0.8, which -dev brings).
[ -f /usr/include/pcap/bpf.h ]             || need="$need libpcap-dev"
# hooks' code is decoded with capstone (src/gen/hook_locks.c).
[ -f /usr/include/capstone/capstone.h ]    || need="$need libcapstone-dev"
command -v cc    >/dev/null 2>&1           || need="$need gcc"
command -v make  >/dev/null 2>&1           || need="$need make"
# -- to run the tests and the benchmarks --
if [ "$step" = test ]; then
	# the generator corpus builds every case with clang too
	command -v clang >/dev/null 2>&1   || need="$need clang"
	command -v patch >/dev/null 2>&1   || need="$need patch"
	command -v readelf >/dev/null 2>&1 || need="$need binutils"
	command -v openssl >/dev/null 2>&1 || need="$need openssl"
	command -v jq    >/dev/null 2>&1   || need="$need jq"
	# t_replace_alias runs an apply under valgrind (a heap overflow it caught).
	command -v valgrind >/dev/null 2>&1 || need="$need valgrind"
	# t_install: the installed .pc file, the man pages
	command -v pkg-config >/dev/null 2>&1 || need="$need pkgconf"
	command -v groff >/dev/null 2>&1   || need="$need groff-base"
	# t_build_examples: the CMake and autotools examples
	command -v cmake >/dev/null 2>&1   || need="$need cmake"
	command -v autoreconf >/dev/null 2>&1 || need="$need autoconf"
	command -v automake >/dev/null 2>&1 || need="$need automake"
fi
[ -z "$need" ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
	echo "nonstop: installing the dependencies to $step:$need"
	DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null &&
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $need >/dev/null ||
		{ echo "nonstop: apt-get install$need failed" >&2; exit 1; }
	exit 0
fi
echo "nonstop: missing dependencies to $step:$need" >&2
echo "nonstop: install them with: sudo apt-get install -y$need" >&2
exit 1
