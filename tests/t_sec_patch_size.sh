# A patch file of more than 64 MiB is refused by its size, checked before
# a byte of it is read: a sparse file of 64 MiB + 1 byte gets one line
# naming its size and the limit (an older nonstop read it whole, up to
# 1 GiB). One of exactly 64 MiB is read, and refused for what it holds
# (no seal). show and apply alike; the target is untouched.
. "$TEST_LIB"
build_case global_func
start_target v1/prog
maps_snapshot maps.before
truncate -s $((64 * 1024 * 1024 + 1)) big.nsp
truncate -s $((64 * 1024 * 1024)) limit.nsp
for cmd in show "apply $TPID"; do
	# shellcheck disable=SC2086
	expect_exit 1 "$NONSTOP" $cmd big.nsp
	expect_one_error_line
	expect_stderr_match 'patch file big\.nsp: 67108865 bytes, more than the 67108864 bytes \(64 MiB\) a patch file may have'
	# shellcheck disable=SC2086
	expect_exit 1 "$NONSTOP" $cmd limit.nsp
	expect_one_error_line
	expect_stderr_match 'patch file limit\.nsp: no digest'
done
maps_snapshot maps.after
diff maps.before maps.after || fail "/proc/$TPID/maps changed"
expect_eq 6 "$(ask call 5)" "compute(5) after the refusals"
expect_alive
