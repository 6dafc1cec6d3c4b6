# nonstop build --src DIR --diff FIX: a fix that adds lines to scale(), above
# functions that embed line numbers (__LINE__, assert). The patch replaces
# exactly scale(), applying it changes the running program's answer, the
# rebuilt program keeps the old line numbers, and DIR is left untouched.
. "$TEST_LIB"
SRC_CASES=$TESTS/src_cases
cp -a "$SRC_CASES/assert_fix" src
make -s -C src >/dev/null || fail "cannot build the original tree"
# What DIR looks like before: every file, its mtime and size.
snapshot() { (cd src && find . -printf '%p %T@ %s %m\n' | sort); }
snapshot >before.txt

start_target src/prog
expect_eq 1010 "$(ask call 5)" "v1 handle(5) = 2*5 + 1000"
line=$(ask line)
note "where() returns line $line"

expect_exit 0 "$NONSTOP" build -o fix.nsp --src src --diff "$SRC_CASES/assert_fix/fix.diff"
expect_stdout_match '^work directory: /.*/fix\.nsp\.work\.[A-Za-z0-9]{6}$'
work=$(sed -n 's/^work directory: //p' last.out)
expect_stdout_match "^building the original tree: make in $work/old\$"
expect_stdout_match 'applying .*fix\.diff \(line-neutral\)'
expect_stdout_match '^rebuilding: 1 object changed$'
expect_stdout_match '^comparing '
expect_stdout_match '^wrote fix\.nsp: 1 function replaced, 0 added'
[ -s fix.nsp ] || fail "no fix.nsp"
grep -q '^+#line ' "$work/fix.line-neutral.diff" || fail "no #line in the line-neutral diff"

# The patch replaces exactly scale().
expect_exit 0 "$NONSTOP" show --json fix.nsp
names=$(sed 's/.*"entries":\[//; s/\],"ignored".*//' last.out |
	grep -o '"kind":"[a-z_]*","name":"[^"]*"' | sed 's/.*"name":"//; s/"$//' | sort | tr '\n' ' ')
expect_eq "scale " "$names" "entries of the patch"

# The fixed program, as rebuilt, keeps the line numbers of the code below
# the fix (the #line directive), so where() answers as before.
expect_eq "$line" "$(printf 'line\n' | "$work/new/prog" | sed -n 2p)" "where() in the rebuilt program"

expect_exit 0 "$NONSTOP" apply "$TPID" fix.nsp
expect_eq 1015 "$(ask call 5)" "handle(5) after apply = 3*5 + 1000"
expect_eq 4000 "$(ask call 5000)" "handle(5000) after apply (saturates)"
expect_eq "$line" "$(ask line)" "where() after apply"
expect_eq 8 "$(ask check 7)" "check(7) after apply"
expect_alive

# DIR untouched: same files, same mtimes, same sizes.
snapshot >after.txt
diff before.txt after.txt || fail "the source tree changed"
note "ok: the source tree is untouched"

# A second run makes a new work directory; --work reuses (clears) one of ours.
expect_exit 0 "$NONSTOP" build -o fix.nsp --src src --diff "$SRC_CASES/assert_fix/fix.diff"
expect_stdout_no_match "^work directory: $work\$"
expect_exit 0 "$NONSTOP" build -o fix.nsp --src src --diff "$SRC_CASES/assert_fix/fix.diff" --work "$work"
expect_stdout_match "^work directory: $work\$"
# A work directory that is not ours is refused, and one inside DIR too.
mkdir other && touch other/keep
expect_exit 1 "$NONSTOP" build -o x.nsp --src src --diff "$SRC_CASES/assert_fix/fix.diff" --work other
expect_stderr_match 'not one of nonstop'
expect_exit 1 "$NONSTOP" build -o src/x.nsp --src src --diff "$SRC_CASES/assert_fix/fix.diff"
expect_stderr_match 'inside the source tree'
snapshot >after2.txt
diff before.txt after2.txt || fail "the source tree changed"
