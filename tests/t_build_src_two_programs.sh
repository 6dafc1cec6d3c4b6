# nonstop build on a tree that builds several programs from the same
# sources (tests/src_cases/two_programs: prog, what runs; prog-cov, the same
# sources with gcov counters; tool, which shares lib/util.c with prog,
# compiled the same way), with its default make: only the objects linked
# into --binary prog count. The gcov objects and tool's are left out and
# named by -v; tool's copy of lib/util.c, the same code as prog's, is one
# with it. The patch applies live and the answer changes. The same holds
# in the two-directory mode; an object of prog that matches none of its
# code is kept, with a warning for each function. A fix that makes the two copies of lib/util.c
# differ is refused, naming both objects.
. "$TEST_LIB"
CASE=$TESTS/src_cases/two_programs
cp -a "$CASE" src
make -s -C src >/dev/null || fail "cannot build the original tree"
[ -x src/prog-cov ] && [ -x src/tool ] || fail "the tree's make did not build prog-cov and tool"

start_target src/prog
expect_eq 1010 "$(ask call 5)" "v1 handle(5) = 2*5 + 1000"

expect_exit 0 "$NONSTOP" build -v -o fix.nsp --src src --diff "$CASE/fix.diff" \
	--binary prog --work work
expect_stdout_match '^rebuilding: 5 objects changed$'
for o in cov-main.o cov-ops.o lib/cov-util.o tool.o; do
	expect_stdout_match "^${o//./\\.}: not linked into .*/work/old/prog \\(.*\\), left out\$"
done
expect_stdout_match '^lib/tool-util\.o: the same code as lib/prog-util\.o, left out$'
expect_stdout_no_match '^(prog-main|prog-ops|lib/prog-util)\.o: .*left out'
expect_stdout_match '^wrote fix\.nsp: 2 functions replaced, 0 added, 0 variables added$'

# The same builds, compared as two directories.
expect_exit 0 "$NONSTOP" build -o fix2.nsp --binary work/old/prog work/old work/new
expect_stdout_match '^wrote fix2\.nsp: 2 functions replaced, 0 added, 0 variables added$'

# An object of prog that matches none of its code (built again at -O0),
# the best claim to be prog's ops.c (cov-ops.o has gcov counters prog does
# not): kept, as the old build of a fix on top of a fix would be, and each
# function whose code prog has otherwise is named (apply checks them
# against the code the process runs).
cp -a work/old old0
(cd old0 && cc $("$NONSTOP" cflags) -O0 -std=gnu11 -c -o prog-ops.o ops.c) ||
	fail "cannot rebuild prog-ops.o at -O0"
expect_exit 0 "$NONSTOP" build -v -o fix0.nsp --binary old0/prog old0 work/new
expect_stdout_match '^prog-ops\.o: the program.s object of ops\.c, though not as old0/prog has it \(.*\): kept$'
expect_stdout_match '^cov-ops\.o: not linked into old0/prog'
expect_stderr_match '^nonstop build: warning: function handle: old0/prog-ops\.o is not the code old0/prog has for it \(its size differs\): the patch applies only where an earlier patch made the process run old0.s$'

expect_exit 0 "$NONSTOP" apply "$TPID" fix.nsp
expect_eq 2015 "$(ask call 5)" "handle(5) after apply = 3*5 + 2000"
expect_alive

# prog's and tool's lib/util.c, the same code before the fix, differ after
# it: which one prog links cannot be told, and both are named.
expect_exit 1 "$NONSTOP" build -o split.nsp --src src --diff "$CASE/split.diff" --binary prog
expect_stderr_match 'refusing: lib/prog-util\.o and lib/tool-util\.o are the same code in .*/prog, but not in .*/new'
