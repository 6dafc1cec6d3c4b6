# build -o PATH writes a new temporary file next to PATH and renames it
# over PATH: a symlink planted at PATH, pointing to a root-only file, is
# replaced, never followed (an older nonstop opened PATH with O_TRUNC and
# overwrote the file it points to). That file keeps its content and mode;
# PATH becomes a regular patch file of mode 0644 minus the umask, which
# applies. A write that fails (PATH is a directory) leaves PATH as it was
# and no temporary file behind; a FIFO or a device at PATH is refused.
. "$TEST_LIB"
build_case global_func
umask 027
printf 'root-only secret\n' >secret
chmod 600 secret
cp -p secret secret.orig
ln -s "$PWD/secret" out.nsp
expect_exit 0 "$NONSTOP" build -o out.nsp --binary v1/prog v1 v2
cmp secret secret.orig || fail "the file the symlink pointed to was changed"
expect_eq 600 "$(stat -c %a secret)" "mode of the file the symlink pointed to"
[ ! -L out.nsp ] || fail "out.nsp is still a symlink"
[ -f out.nsp ] || fail "out.nsp is not a regular file"
expect_eq 640 "$(stat -c %a out.nsp)" "mode of the patch (0644 minus umask 027)"
expect_exit 0 "$NONSTOP" show out.nsp
expect_stdout_match '^patch: +out$'
start_target v1/prog
expect_exit 0 "$NONSTOP" apply "$TPID" out.nsp
expect_eq 500 "$(ask call 5)" "compute(5) with the patch"

mkdir dir.nsp
touch dir.nsp/keep
expect_exit 1 "$NONSTOP" build -o dir.nsp --binary v1/prog v1 v2
expect_one_error_line
expect_stderr_match 'patch file dir\.nsp: '
[ -f dir.nsp/keep ] || fail "the directory at PATH was changed"
# A FIFO (or a device: `-o /dev/null`) is refused, not replaced, and no
# temporary file is made next to it.
mkfifo fifo.nsp
expect_exit 1 "$NONSTOP" build -o fifo.nsp --binary v1/prog v1 v2
expect_one_error_line
expect_stderr_match 'patch file fifo\.nsp: is a FIFO, not a regular file'
[ -p fifo.nsp ] || fail "the FIFO at PATH was replaced"

leftover=$(ls -a | grep -E '^(out|dir|fifo)\.nsp\.' || true)
[ -z "$leftover" ] || fail "temporary files left behind: $leftover"
