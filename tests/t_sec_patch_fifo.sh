# A patch path that is not a regular file is refused at once with one line
# saying what it is: a FIFO nobody writes to (opened without blocking, then
# refused: an older nonstop blocked in open() for good, so a short limit
# tells a hang from a refusal), a directory and a device. show and apply
# alike; the target is untouched.
. "$TEST_LIB"
build_case global_func
start_target v1/prog
maps_snapshot maps.before
mkfifo fifo.nsp
mkdir dir.nsp
for f in fifo.nsp dir.nsp /dev/zero; do
	case $f in
	fifo.nsp) what='a FIFO' ;;
	dir.nsp) what='a directory' ;;
	*) what='a character device' ;;
	esac
	NONSTOP_CMD_TIMEOUT=10 expect_exit 1 "$NONSTOP" show "$f"
	expect_one_error_line
	expect_stderr_match "patch file $f: is $what, not a regular file"
	NONSTOP_CMD_TIMEOUT=10 expect_exit 1 "$NONSTOP" apply "$TPID" "$f"
	expect_one_error_line
	expect_stderr_match "patch file $f: is $what, not a regular file"
done
maps_snapshot maps.after
diff maps.before maps.after || fail "/proc/$TPID/maps changed"
expect_eq 6 "$(ask call 5)" "compute(5) after the refusals"
expect_alive
