# Names a patch file carries are the file's to choose (a patch may come
# from anyone; only its seal says who): `show` escapes every one of them
# (an object file named with an escape sequence here), and a patch name
# with a control character is refused at build time.
. "$TEST_LIB"
evil=$'x\e]0;owned\a\e[2Jred'
for v in v1 v2; do
	mkdir -p "src-$v"
	cp "$CASES/global_func/v1/main.c" "src-$v/"
	cp "$CASES/global_func/$v/compute.c" "src-$v/$evil.c"
	compile_dir "src-$v" "$v"
	link_dir "$v" "$v/prog"
done
make_patch fix.nsp
expect_exit 0 "$NONSTOP" show fix.nsp
if LC_ALL=C grep -q $'[\x01-\x08\x0b-\x1f\x7f]' last.out; then
	fail "show printed raw control characters: $(od -c last.out | head -20)"
fi
note "ok: no raw control character in show's output"
expect_stdout_match '\[x\\e\]0;owned\\x07\\e\[2Jred\.o\]'
expect_exit 0 "$NONSTOP" show --json fix.nsp
if LC_ALL=C grep -q $'[\x01-\x1f\x7f]' last.out; then
	fail "show --json printed raw control characters"
fi
command -v jq >/dev/null && { jq . last.out >/dev/null || fail "show --json is not valid JSON"; }

expect_exit 2 "$NONSTOP" build --name $'fix\e[31m' -o bad.nsp --binary v1/prog v1 v2
expect_one_error_line
expect_stderr_match "control character"
[ ! -e bad.nsp ] || fail "a patch was written"
expect_exit 2 "$NONSTOP" build --name "a/b" -o bad.nsp --binary v1/prog v1 v2
expect_stderr_match "'/'"
