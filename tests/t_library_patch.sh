# A shared library patched inside the program that uses it: libshl.so
# (tests/cases/shlib), built with nonstop's flags and -fPIC, lazily bound
# (no -z now). The patch is built against the library (--binary
# v1/libshl.so) and applied to the process: calc() answers as v2 does.
# Two things the checks of the running code and the link must get right:
# calc() calls rare() through the library's PLT, whose slot still points
# into the PLT (rare() never ran: lazy binding); and verbose, the
# library's variable, lives in the program (a copy relocation): the new
# code must read the program's copy, which the program sets. Revert gives
# v1 back.
. "$TEST_LIB"

for v in v1 v2; do
	mkdir -p "src-$v" "$v"
	cp "$CASES/shlib/v1"/*.c "src-$v"/
	cp "$CASES/shlib/$v"/*.c "src-$v"/
	# shellcheck disable=SC2046
	(cd "src-$v" && gcc $(case_cflags) -fPIC -c lib.c -o "../$v/lib.o") ||
		fail "cannot compile $v/lib.o"
	gcc -shared -Wl,-z,lazy -o "$v/libshl.so" "$v/lib.o" || fail "cannot link $v/libshl.so"
done
mkdir -p prog
# shellcheck disable=SC2046
(cd src-v1 && gcc $(case_cflags) -c main.c -o ../prog/main.o) || fail "cannot compile main.o"
gcc -pthread -o prog/prog prog/main.o -L v1 -lshl -Wl,-rpath,"$PWD/v1" -Wl,-z,lazy ||
	fail "cannot link prog"
readelf -r prog/prog | grep -q 'R_X86_64_COPY.*verbose' ||
	fail "the case is meant to give the program a copy of verbose"
# The patch is about the library's objects only.
mkdir -p o1 o2
cp v1/lib.o o1/ && cp v2/lib.o o2/
expect_exit 0 "$NONSTOP" build -o fix.nsp --binary v1/libshl.so o1 o2
expect_exit 0 "$NONSTOP" show fix.nsp
expect_stdout_match 'replace +calc\>'

start_target prog/prog
expect_eq 'verbose 5' "$(ask verbose 5)"
expect_eq 225 "$(ask calc 10)" "v1 calc(10) = 110*2 + 5"
expect_exit 0 "$NONSTOP" apply "$TPID" fix.nsp
expect_eq 335 "$(ask calc 10)" "calc(10) with the fix = 110*3 + 5 (the program's verbose)"
expect_eq 'verbose 7' "$(ask verbose 7)"
expect_eq 337 "$(ask calc 10)" "calc(10) after verbose 7"
expect_eq 4 "$(ask calc -4)" "calc(-4): rare() through the lazily bound PLT"
expect_exit 0 "$NONSTOP" revert "$TPID"
expect_eq 227 "$(ask calc 10)" "v1 calc(10) after revert"
expect_alive
