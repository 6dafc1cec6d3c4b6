# timeout: 300
# The build examples of examples/build — a plain Makefile ($(shell
# nonstop cflags)), CMake (pkg-config's nonstop.pc: patchflags, and
# libnonstop linked) and autotools (./configure CFLAGS="$(nonstop cflags)
# -O2") — each built before and after its fix with an installed nonstop
# (make install PREFIX=...), and the running first build patched live
# (per-thread for the CMake one, which links libnonstop) and reverted.
. "$TEST_LIB"
P=$PWD/prefix
make -C "$ROOT" --no-print-directory install PREFIX="$P" >install.log 2>&1 ||
	fail "make install failed: $(tail -5 install.log)"
export PATH=$P/bin:$PATH PKG_CONFIG_PATH=$P/lib/pkgconfig
[ "$(command -v nonstop)" = "$P/bin/nonstop" ] || fail "not the installed nonstop"

# build EXAMPLE DIR: builds DIR (a copy of EXAMPLE) as its build system does.
build() {
	case $1 in
	make) make -C "$2" ;;
	cmake) cmake -S "$2" -B "$2/build" && cmake --build "$2/build" ;;
	autotools) (cd "$2" && autoreconf -fi && ./configure CFLAGS="$(nonstop cflags) -O2" && make) ;;
	esac >"$2.log" 2>&1 || fail "$1: the build of $2 failed: $(tail -15 "$2.log")"
}

for ex in make cmake autotools; do
	rm -rf old new
	cp -r "$ROOT/examples/build/$ex" old
	cp -r "$ROOT/examples/build/$ex" new
	(cd new && patch -s -p1 <fix.diff) || fail "$ex: fix.diff does not apply"
	build $ex old
	build $ex new
	objs=.
	[ $ex = cmake ] && objs=build
	bin=$objs/prog
	if [ $ex = cmake ]; then
		readelf -d old/$bin | grep -q 'NEEDED.*libnonstop.so.0' ||
			fail "cmake: prog does not link libnonstop.so.0"
	fi
	host_start out-$ex old/$bin "$PWD/out-$ex"
	host_wait out-$ex 1
	expect_exit 0 nonstop build --name "$ex-$$" -o $ex.nsp --binary old/$bin old/$objs new/$objs
	expect_exit 0 nonstop apply "$HPID" $ex.nsp
	if [ $ex = cmake ]; then
		expect_stdout_match 'per-thread mode'
	else
		expect_stdout_match 'stop-the-world mode'
	fi
	host_wait out-$ex 2
	expect_exit 0 nonstop revert "$HPID"
	host_wait out-$ex 1
	kill "$HPID"
done
