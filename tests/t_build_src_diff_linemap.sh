# The line-neutral rewrite of a fix (nonstop build --rewrite-diff FIX, a
# debugging aid that prints what --src/--diff applies): after every group of
# changed lines that adds or removes lines, a "#line N" gives the next line
# its old number back. Checked on exact output, and by compiling: every
# function the diff does not touch returns the same __LINE__ before and
# after the rewritten diff is applied (several files and hunks, lines added,
# removed, replaced, at the end of a file, -U0 diffs).
. "$TEST_LIB"

# --- exact output -------------------------------------------------------------
cat >one.diff <<'D'
--- a/x.c
+++ b/x.c
@@ -1,4 +1,5 @@
 int a;
+int b;
 int c;
-int d;
+int d, e;
 int f;
@@ -10,3 +11,2 @@
 int g;
-int h;
 int i;
D
expect_exit 0 "$NONSTOP" build --rewrite-diff one.diff
cat >want <<'D'
--- a/x.c
+++ b/x.c
@@ -1,4 +1,6 @@
 int a;
+int b;
+#line 2
 int c;
-int d;
+int d, e;
 int f;
@@ -10,3 +12,3 @@
 int g;
-int h;
+#line 12
 int i;
D
diff want last.out || fail "unexpected rewrite of one.diff"
note "ok: one.diff rewritten as expected"

# Inside a block comment or after a backslash-continued line the directive
# waits for the first context line where it is valid.
cat >two.diff <<'D'
--- a/y.c
+++ b/y.c
@@ -1,5 +1,6 @@
 /* a comment
+ * that grows
  * over lines
  */
 #define M(x) \
 	((x) + 1)
@@ -20,2 +21,3 @@
 #define N(x) \
+	(x) + \
 	1
@@ -30,2 +32,3 @@
 /* a comment that
+ * grows and
 * goes on
D
expect_exit 0 "$NONSTOP" build --rewrite-diff two.diff
cat >want <<'D'
--- a/y.c
+++ b/y.c
@@ -1,5 +1,7 @@
 /* a comment
+ * that grows
  * over lines
  */
+#line 4
 #define M(x) \
 	((x) + 1)
@@ -20,2 +22,4 @@
 #define N(x) \
+	(x) + \
 	1
+#line 22
@@ -30,2 +34,3 @@
 /* a comment that
+ * grows and
 * goes on
D
diff want last.out || fail "unexpected rewrite of two.diff"
expect_stderr_match 'y\.c: hunk 3 .*no place for a #line'
note "ok: two.diff rewritten as expected, with a warning for hunk 3"

printf -- '--- a/z.c\n+++ b/z.c\n@@ -1,3 +1,3 @@\n x\n' >bad.diff
expect_exit 1 "$NONSTOP" build --rewrite-diff bad.diff
expect_stderr_match 'truncated'

# --- compiled -----------------------------------------------------------------
# gen FILE NAME N: N functions NAME_i returning __LINE__, with filler lines.
gen() {
	local i
	for ((i = 0; i < $3; i++)); do
		printf '/* %s %d */\nint %s_%d(void)\n{\n\tint x = %d;\n\n\treturn x * 0 + __LINE__;\n}\n\n' \
			"$2" "$i" "$2" "$i" "$i"
	done >"$1"
}
mkdir -p a/sub b/sub
gen a/p.c p 12
gen a/sub/q.c q 8
cp a/p.c b/p.c
cp a/sub/q.c b/sub/q.c
# p.c: add lines in p_1, remove in p_4, replace in p_6 (same count), add at
# the end; q.c: remove a whole function comment and add lines in q_2.
sed -i -e '/int x = 1;/a\\tx += 1;\n\tx += 2;' \
	-e '/int x = 4;/{n;d}' \
	-e 's/int x = 6;/int x = 6 + 0;/' b/p.c
printf 'int p_tail(void)\n{\n\treturn __LINE__;\n}\n' >>b/p.c
sed -i -e '/\/\* q 1 \*\//d' -e '/int x = 2;/a\\tx++;\n\tx++;\n\tx++;' b/sub/q.c
(diff -u a/p.c b/p.c; diff -u a/sub/q.c b/sub/q.c) | sed -e 's#^--- a/#--- a/#; s#^+++ b/#+++ b/#' -e 's/\t20[0-9-]* .*$//' >fix.diff || true
sed -n 1,4p fix.diff
expect_exit 0 "$NONSTOP" build --rewrite-diff fix.diff
cp last.out neutral.diff
[ "$(grep -c '^+#line' neutral.diff)" -ge 4 ] || fail "expected at least 4 #line directives: $(cat neutral.diff)"
mkdir c && cp -a a/. c/
(cd c && patch -p1 --batch <../neutral.diff) || fail "the rewritten diff does not apply"
# main.c prints every function's __LINE__.
mk_main() { # DIR EXTRA
	{
		for i in $(seq 0 11); do echo "int p_$i(void);"; done
		for i in $(seq 0 7); do echo "int q_$i(void);"; done
		echo '#include <stdio.h>'
		echo 'int main(void) {'
		for i in $(seq 0 11); do echo "printf(\"p_$i %d\\n\", p_$i());"; done
		for i in $(seq 0 7); do echo "printf(\"q_$i %d\\n\", q_$i());"; done
		echo 'return 0; }'
	} >"$1/main.c"
	(cd "$1" && gcc -w -o prog main.c p.c sub/q.c) || fail "cannot compile $1"
	"$1/prog" >"$1.out"
}
mk_main a
mk_main b
mk_main c
# Functions whose own lines changed (p_1, p_4, q_2) may differ; all others
# keep their line in the line-neutral version c, and move in the plain b.
grep -v -e '^p_1 ' -e '^p_4 ' -e '^q_2 ' a.out >a.keep
grep -v -e '^p_1 ' -e '^p_4 ' -e '^q_2 ' c.out >c.keep
diff a.keep c.keep || fail "line numbers moved in the line-neutral version"
grep -v -e '^p_1 ' -e '^p_4 ' -e '^q_2 ' b.out >b.keep
! diff -q a.keep b.keep >/dev/null || fail "the plain diff moves no line: the test proves nothing"
note "ok: every untouched function keeps its __LINE__ (and would not without the rewrite)"
# The -U0 form of the same change is made neutral too.
(diff -U0 a/p.c b/p.c; diff -U0 a/sub/q.c b/sub/q.c) | sed -e 's/\t20[0-9-]* .*$//' >fix0.diff || true
sed -i -e 's#^--- a/#--- a/#' fix0.diff
expect_exit 0 "$NONSTOP" build --rewrite-diff fix0.diff
cp last.out neutral0.diff
rm -rf d && mkdir d && cp -a a/. d/
(cd d && patch -p1 --batch <../neutral0.diff) || fail "the rewritten -U0 diff does not apply"
mk_main d
grep -v -e '^p_1 ' -e '^p_4 ' -e '^q_2 ' d.out >d.keep
diff a.keep d.keep || fail "line numbers moved in the line-neutral -U0 version"
note "ok: -U0 diff made line-neutral too"
