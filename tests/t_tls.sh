# New code updates the executable's thread-local variables in place: the
# thread's live values go on, in PIE and non-PIE builds.
. "$TEST_LIB"
for mode in pie no-pie; do
	mkdir -p $mode
	OUT=$mode build_case tls --$mode
	make_patch $mode/fix.nsp $mode/v1 $mode/v2
	start_target $mode/v1/prog
	expect_eq 6 "$(ask call 5)" "v1 compute(5) ($mode)"
	expect_eq "1 105" "$(ask tls)" "v1 thread-locals ($mode)"
	expect_exit 0 "$NONSTOP" apply "$TPID" $mode/fix.nsp
	expect_eq 500 "$(ask call 5)" "compute(5) after apply ($mode)"
	expect_eq "11 155" "$(ask tls)" "thread-locals kept and updated ($mode)"
	expect_exit 0 "$NONSTOP" revert "$TPID"
	expect_eq 6 "$(ask call 5)" "compute(5) after revert ($mode)"
	expect_eq "12 160" "$(ask tls)" "thread-locals after revert ($mode)"
	expect_alive
	stop_target
done
