# nonstop build --src run as root never works in a directory another user
# planted or can write to, nor through a symlink.
# 1. The patch goes to a directory others can write to (sticky, like /tmp),
#    where another user planted the old default work directory PATCH.work:
#    marked as nonstop's, its first build log a symlink to a root-only file.
#    The build makes its own new private work directory (PATCH.work.XXXXXX,
#    mode 0700, printed): the planted one and the root-only file are left
#    as they were.
# 2. --work WORK is refused (exit 1, one line naming WORK and why) when
#    another user owns it (even marked, with a planted log), when group or
#    others can write to it (even root's own), and when it is a symlink to
#    a directory: the build command never runs, nothing is written in WORK
#    or where it points, no patch is written. A directory of root's own,
#    mode 0755, is taken and reused.
. "$TEST_LIB"
SRC_CASES=$TESTS/src_cases
FIX=$SRC_CASES/assert_fix/fix.diff
ensure_user ns-attacker >/dev/null
as_user ns-attacker
open_dir_to_others
cp -a "$SRC_CASES/assert_fix" src
printf 'root only, do not touch\n' >secret
chmod 600 secret
mkdir -m 1777 shared
listing() { (cd "$1" && find . -printf '%p %U %m %s %l\n' | sort); }
# plant DIR: what the other user leaves in shared/DIR.
plant() {
	"${AS_USER[@]}" mkdir "shared/$1"
	"${AS_USER[@]}" sh -c "echo 'nonstop build --src work directory' >shared/$1/.nonstop-work"
	"${AS_USER[@]}" ln -s "$PWD/secret" "shared/$1/build-old.log"
}

# --- 1. the default work directory --------------------------------------------
plant fix.nsp.work
listing shared/fix.nsp.work >planted.before
expect_exit 0 "$NONSTOP" build -o shared/fix.nsp --src src --diff "$FIX"
expect_eq "root only, do not touch" "$(cat secret)" "the root-only file"
listing shared/fix.nsp.work >planted.after
diff planted.before planted.after || fail "the planted directory was used"
note "ok: the planted work directory was not used"
expect_stdout_match '^work directory: /.*/shared/fix\.nsp\.work\.[A-Za-z0-9]{6}$'
work=$(sed -n 's/^work directory: //p' last.out)
[ -d "$work" ] && [ ! -L "$work" ] || fail "the printed work directory $work is not a directory"
expect_eq "0 700" "$(stat -c '%u %a' "$work")" "owner and mode of the work directory"
[ -s "$work/build-old.log" ] && [ ! -L "$work/build-old.log" ] ||
	fail "no build log of this run in $work"
[ -s shared/fix.nsp ] || fail "no patch written"

# --- 2. --work WORK -------------------------------------------------------------
# refused WORK REASON: the build exits 1 naming WORK and REASON, runs
# nothing, writes nothing.
refused() {
	local work=$1 reason=$2 real
	real=$(readlink -f "$work")
	listing "$real" >before.txt
	expect_exit 1 "$NONSTOP" build -o x.nsp --src src --diff "$FIX" --work "$work" \
		--make "touch $PWD/ran; make"
	expect_one_error_line
	expect_stderr_match "work directory /.*/${work//./\\.}: $reason"
	[ ! -e ran ] || fail "the build command ran"
	[ ! -e x.nsp ] || fail "a patch was written"
	listing "$real" >after.txt
	diff before.txt after.txt || fail "$work changed"
	expect_eq "root only, do not touch" "$(cat secret)" "the root-only file"
}

plant w
refused shared/w "owned by uid $(id -u ns-attacker), not by the user running nonstop"

mkdir -m 777 open
refused open "writable by others \(mode 0777\)"
mkdir -m 770 group
refused group "writable by its group \(mode 0770\)"

mkdir -m 700 real
ln -s real link
refused link "is a symbolic link"

mkdir -m 755 mine
expect_exit 0 "$NONSTOP" build -o x.nsp --src src --diff "$FIX" --work mine
expect_stdout_match "^work directory: /.*/mine$"
[ -s mine/build-old.log ] || fail "no build log in mine"
expect_exit 0 "$NONSTOP" build -o x.nsp --src src --diff "$FIX" --work mine
[ -s mine/fix.line-neutral.diff ] || fail "no fix.line-neutral.diff in mine after reuse"
