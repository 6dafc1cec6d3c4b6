# nonstop build --emit-transformer FILE run as root, where another user
# planted FILE as a symlink to a root-only file (in a directory of theirs
# that root writes to): the transformer is written beside FILE and renamed
# over it, so FILE becomes root's own private regular file and the
# root-only file is unchanged.
. "$TEST_LIB"
ensure_user ns-attacker >/dev/null
as_user ns-attacker
open_dir_to_others
build_case xform_table
printf 'root only, do not touch\n' >secret
chmod 600 secret
mkdir out
chown ns-attacker: out
"${AS_USER[@]}" ln -s "$PWD/secret" out/xf.c

expect_exit 1 "$NONSTOP" build -o fix.nsp --binary v1/prog --emit-transformer out/xf.c v1 v2
expect_one_error_line
expect_stdout_match "^wrote out/xf\.c: 1 transformer, [0-9]+ NONSTOP-TODO placeholders to fill$"
expect_eq "root only, do not touch" "$(cat secret)" "the root-only file"
[ ! -L out/xf.c ] && [ -f out/xf.c ] || fail "out/xf.c is not a regular file"
expect_eq "0 600" "$(stat -c '%u %a' out/xf.c)" "owner and mode of out/xf.c"
grep -q "NONSTOP_TRANSFORM(table, nonstop_transform_table);" out/xf.c ||
	fail "out/xf.c is not the transformer"
expect_eq "xf.c" "$(ls -A out)" "what is in out/ (no temporary file left)"
