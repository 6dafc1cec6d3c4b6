# nonstop build --src DIR --diff FIX where FIX only adds comment lines above
# functions using __LINE__ and assert(): made line-neutral, the two builds do
# not differ in code: exit 3.
. "$TEST_LIB"
SRC_CASES=$TESTS/src_cases
cp -a "$SRC_CASES/assert_fix" src
expect_exit 3 "$NONSTOP" build -o c.nsp --src src --diff "$SRC_CASES/assert_fix/comment.diff"
expect_stdout_match '^rebuilding: 1 object changed$'
expect_stderr_match 'do not differ in code'
work=$(sed -n 's/^work directory: //p' last.out)
[ -d "$work" ] || fail "no work directory printed"
[ ! -e c.nsp ] || fail "c.nsp written"
# The objects differ in nothing but debug information: every code section
# of the rebuilt ops.o is byte for byte the old one.
for s in .text.where .text.check .text.handle .text.scale; do
	objcopy -O binary --only-section="$s" "$work/old/lib/ops.o" old.bin
	objcopy -O binary --only-section="$s" "$work/new/lib/ops.o" new.bin
	[ -s old.bin ] || fail "no section $s in ops.o"
	cmp -s old.bin new.bin || fail "section $s changed"
done
note "ok: the code sections of ops.o are unchanged"
