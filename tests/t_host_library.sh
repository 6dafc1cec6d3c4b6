# A library fix reaches every process that maps the library, whichever
# program it runs: answer() and hold() of tests/cases/host built into
# libans.so, used by two programs (two binaries, two build-ids); the
# patch is built against the library and applied with --all-processes
# to three processes of the two programs at once. Each answers 2; a
# process of the library's other build (rebuilt: another build-id) is
# skipped as another version; revert --all-processes gives 1 back.
. "$TEST_LIB"
for v in v1 v2; do
	mkdir -p "src-$v" "o-$v"
	cp "$CASES/host/$v/answer.c" "src-$v"/
	# shellcheck disable=SC2046
	(cd "src-$v" && gcc $(case_cflags) -fPIC -c answer.c -o "../o-$v/answer.o") ||
		fail "cannot compile $v's answer.o"
	mkdir -p "$v"
	gcc -shared -Wl,-soname,libans.so -o "$v/libans.so" "o-$v/answer.o" ||
		fail "cannot link $v/libans.so"
done
# Another build of v1's library: same code, another build-id.
mkdir -p other
gcc -shared -Wl,-soname,libans.so -Wl,--build-id=0x0123456789abcdef \
	-o other/libans.so o-v1/answer.o || fail "cannot link other/libans.so"
# shellcheck disable=SC2046
gcc $(case_cflags) -c "$CASES/host/v1/main.c" -o main.o || fail "cannot compile main.o"
# shellcheck disable=SC2046
gcc $(case_cflags) -DSECOND -c "$CASES/host/v1/main.c" -o main2.o || fail "cannot compile main2.o"
gcc -o progA main.o -L v1 -lans -Wl,-rpath,'$ORIGIN/v1' || fail "cannot link progA"
gcc -o progB main2.o -Wl,--build-id=0xfeedface -L v1 -lans -Wl,-rpath,'$ORIGIN/v1' ||
	fail "cannot link progB"
gcc -o progC main.o -L other -lans -Wl,-rpath,'$ORIGIN/other' || fail "cannot link progC"
PN=libfix-$$   # no other patch on this host has this name
expect_exit 0 "$NONSTOP" build --name "$PN" -o fix.nsp --binary v1/libans.so o-v1 o-v2

mkdir out
host_start out/a1 ./progA out/a1
host_start out/a2 ./progA out/a2
host_start out/b1 ./progB out/b1
host_start out/c1 ./progC out/c1; c1=$HPID
expect_exit 0 "$NONSTOP" apply --all-processes --jobs 3 fix.nsp
expect_stdout_match "^process [0-9]+ \\(progA\\): applied '$PN'"
expect_stdout_match "^process [0-9]+ \\(progB\\): applied '$PN'"
expect_stdout_match "^process $c1 \\(progC\\): skipped: another version of libans.so \\(build-id 0123456789abcdef\\)"
expect_stdout_match "^patch '$PN' for libans.so: applied in 3 of 3 processes; 1 another version, skipped;"
for f in a1 a2 b1; do host_wait out/$f 2; done
[ "$(host_answer out/c1)" = 1 ] || fail "the other build of the library changed"
expect_exit 0 "$NONSTOP" revert --all-processes --json "$PN"
jq -e '.ok and .summary.reverted == 3' last.out >/dev/null ||
	fail "revert --all-processes: $(cat last.out)"
for f in a1 a2 b1 c1; do host_wait out/$f 1; done
