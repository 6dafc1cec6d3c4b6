# timeout: 240
# nonstop opens a target's modules as the kernel mapped them, never by the
# path /proc/PID/maps shows (which the target chooses):
# - a program replaced on disk after it started (mv, as a package upgrade
#   does) or deleted: a patch built for the build-id it runs applies, and
#   reverts;
# - a chrooted target of another user (ns-attacker), whose jail that user
#   owns: applies and reverts, and what the attacker plants in the jail at
#   the host path maps shows (a FIFO, a symlink to a root-only file) is
#   never opened (before: root blocked on the FIFO, mapped the file).
. "$TEST_LIB"
[ "$(id -u)" = 0 ] || { note "needs root (chroot, another user): skipped"; exit 0; }
NONSTOP_CMD_TIMEOUT=${NONSTOP_CMD_TIMEOUT:-30}
build_case global_func
make_patch fix.nsp

# apply_and_revert: the patch applies (compute(5) is then 500) and reverts.
apply_and_revert() {
	expect_eq 6 "$(ask call 5)" "compute(5) before"
	expect_exit 0 "$NONSTOP" apply "$TPID" fix.nsp
	expect_eq 500 "$(ask call 5)" "compute(5) after apply"
	expect_exit 0 "$NONSTOP" status "$TPID"
	expect_stdout_match "fix"
	expect_exit 0 "$NONSTOP" revert "$TPID"
	expect_eq 6 "$(ask call 5)" "compute(5) after revert"
	expect_alive
}

note "--- the program replaced on disk after it started"
mkdir run
cp v1/prog run/prog
start_target run/prog
cp v2/prog run/prog.new
mv run/prog.new run/prog
grep -q 'run/prog (deleted)' "/proc/$TPID/maps" || fail "maps does not show the old program deleted"
apply_and_revert
stop_target

note "--- the program deleted after it started"
cp v1/prog run/prog
start_target run/prog
rm run/prog
apply_and_revert
stop_target

note "--- a chrooted target of another user, in a jail it owns"
open_dir_to_others
uid=$(ensure_user ns-attacker)
jail=$PWD/jail
mkdir -p "$jail"
cp v1/prog "$jail/prog"
# The program's libraries and loader, at the same paths inside.
for lib in $(ldd v1/prog | grep -o '/[^ ]*'); do
	mkdir -p "$jail$(dirname "$lib")"
	cp "$lib" "$jail$lib"
done
chown -R ns-attacker: "$jail"
# What maps shows for the jailed program is its host path; under the jail's
# root that names $jail$jail/prog, which the attacker controls.
planted=$jail$jail/prog
mkdir -p "$(dirname "$planted")"
chown -R ns-attacker: "$jail"
echo "root only" >secret
chmod 600 secret
for plant in none fifo symlink; do
	note "- planted at $planted: $plant"
	rm -f "$planted"
	case $plant in
	fifo) setpriv --reuid="$uid" --regid="$(id -g ns-attacker)" --clear-groups mkfifo "$planted" ;;
	symlink) ln -s "$PWD/secret" "$planted"; chown -h ns-attacker: "$planted" ;;
	esac
	start_target chroot --userspec="$uid:$(id -g ns-attacker)" "$jail" /prog
	grep -q "$jail/prog" "/proc/$TPID/maps" || fail "maps does not show $jail/prog"
	apply_and_revert
	stop_target
	expect_eq "root only" "$(cat secret)" "the root-only file"
done
