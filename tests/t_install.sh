# make install lays out what a user gets, under PREFIX and DESTDIR: the
# tool, libnonstop with its SONAME, the links and the static archive, the
# header, pkg-config's file (whose patchflags are nonstop cflags), the man
# pages (every option of every command's --help in nonstop(1), rendered
# without a warning) and bash's completion; make uninstall takes them all
# away again.
. "$TEST_LIB"
D=$PWD/dest
make -C "$ROOT" --no-print-directory install DESTDIR="$D" PREFIX=/usr >install.log 2>&1 ||
	fail "make install failed: $(tail -5 install.log)"
(cd "$D" && find . ! -type d | sort) >files
cat >want <<'LIST'
./usr/bin/nonstop
./usr/include/nonstop.h
./usr/lib/libnonstop.a
./usr/lib/libnonstop.so
./usr/lib/libnonstop.so.0
./usr/lib/libnonstop.so.0.1
./usr/lib/pkgconfig/nonstop.pc
./usr/share/bash-completion/completions/nonstop
./usr/share/man/man1/nonstop.1
./usr/share/man/man3/libnonstop.3
LIST
diff want files >files.diff || fail "installed files differ: $(cat files.diff)"
[ "$(readlink "$D/usr/lib/libnonstop.so.0")" = libnonstop.so.0.1 ] || fail "libnonstop.so.0 link"
[ "$(readlink "$D/usr/lib/libnonstop.so")" = libnonstop.so.0 ] || fail "libnonstop.so link"
readelf -d "$D/usr/lib/libnonstop.so.0.1" | grep -q 'SONAME.*\[libnonstop.so.0\]' ||
	fail "no SONAME libnonstop.so.0"
[ -x "$D/usr/bin/nonstop" ] || fail "nonstop not executable"
"$D/usr/bin/nonstop" --version | grep -q '^nonstop 0\.1$' || fail "installed nonstop --version"

# pkg-config, as a program's build asks it.
export PKG_CONFIG_PATH=$D/usr/lib/pkgconfig PKG_CONFIG_SYSROOT_DIR=$D
[ "$(pkg-config --cflags nonstop | xargs)" = "-I$D/usr/include" ] ||
	fail "pkg-config --cflags: $(pkg-config --cflags nonstop)"
pkg-config --libs nonstop | grep -q -- "-lnonstop" || fail "pkg-config --libs"
[ "$(pkg-config --variable=patchflags nonstop)" = "$("$NONSTOP" cflags)" ] ||
	fail "patchflags '$(pkg-config --variable=patchflags nonstop)' is not nonstop cflags"
[ "$(pkg-config --modversion nonstop)" = 0.1 ] || fail "modversion"

# The man pages: rendered without a warning; every option of every
# command's --help is in nonstop(1).
for page in man1/nonstop.1 man3/libnonstop.3; do
	groff -man -ww -z "$D/usr/share/man/$page" 2>groff.err
	[ -s groff.err ] && fail "$page: $(cat groff.err)"
done
sed 's/\\-/-/g' "$D/usr/share/man/man1/nonstop.1" >nonstop.1.txt
for cmd in cflags build show apply revert status version; do
	"$NONSTOP" $cmd --help >help.txt || fail "$cmd --help"
	for opt in $(grep -oE -- '--[a-z][a-z-]+' help.txt | sort -u); do
		grep -qE -- "$opt([^a-z-]|\$)" nonstop.1.txt || fail "nonstop.1 lacks $cmd's $opt"
	done
	grep -q "^\.B $cmd\b\|^\.B nonstop $cmd\b" nonstop.1.txt || fail "nonstop.1 lacks $cmd"
done

# Completion: commands, options, PIDs, patch files.
touch fix.nsp notes.txt
comp() {
	bash -c '. "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _nonstop; printf "%s\n" "${COMPREPLY[@]}"' \
		_ "$D/usr/share/bash-completion/completions/nonstop" "$@"
}
[ "$(comp nonstop re)" = revert ] || fail "completion of a command: $(comp nonstop re)"
comp nonstop apply --all | grep -qx -- --all-processes || fail "completion of an option"
comp nonstop status "$$" | grep -qx "$$" || fail "completion of a PID"
comp nonstop apply "$$" "" >patches
grep -qx fix.nsp patches && ! grep -q notes.txt patches ||
	fail "completion of a patch (the .nsp files): $(cat patches)"

make -C "$ROOT" --no-print-directory uninstall DESTDIR="$D" PREFIX=/usr >uninstall.log 2>&1 ||
	fail "make uninstall failed"
left=$(cd "$D" && find . ! -type d)
[ -z "$left" ] || fail "left after uninstall: $left"
