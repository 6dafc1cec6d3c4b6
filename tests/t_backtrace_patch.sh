# The program's own backtrace() walks through new code: nonstop registers
# the patch's frames with libgcc's unwinder in the target (a borrowed
# thread calls __register_frame_info) before the switch, and deregisters
# them before the patch's memory goes. A backtrace taken in dump(), new
# code of the patch, shows its callers down to main(); after revert the
# memory is gone and backtraces from the program's own code still work —
# also when libgcc never looked at the patch's frames (it would read them
# at its next unwind, and crash, had they stayed registered). A program
# that never loaded libgcc's unwinder gets no registration, and apply -v
# says so.
. "$TEST_LIB"

mkdir -p src-v1 src-v2
cp "$CASES/backtrace/v1"/*.c src-v1/
cp "$CASES/backtrace/v1"/*.c src-v2/
cp "$CASES/backtrace/v2"/*.c src-v2/
compile_dir src-v1 v1
compile_dir src-v2 v2
link_dir v1 v1/prog -rdynamic
link_dir v2 v2/prog -rdynamic
make_patch fix.nsp

start_target v1/prog
expect_eq 0 "$(ask trace)" "v1 traced()"
grep -q libgcc_s "/proc/$TPID/maps" || fail "the target did not load libgcc_s"
expect_exit 0 "$NONSTOP" apply -v "$TPID" fix.nsp
expect_stdout_match "frames are registered with libgcc's unwinder \\(thread [0-9]+ borrowed"
expect_exit 0 "$NONSTOP" status "$TPID"
expect_stdout_match 'with libgcc: registered'

# A backtrace from new code: dump -> traced (both the patch's) -> handle
# -> main (the program's).
: >target.err
n=$(ask trace)
sed 's/^/  backtrace| /' target.err
[ "$n" -ge 5 ] || fail "backtrace() in new code found $n frames"
grep -q '(handle+0x' target.err || fail "the backtrace from new code does not reach handle()"
grep -q '(main+0x' target.err || fail "the backtrace from new code does not reach main()"
expect_eq 2 "$(ask trace >/dev/null; grep -c '^--$' target.err)" "backtraces written"

expect_exit 0 "$NONSTOP" revert "$TPID"
grep -q 'nonstop:' "/proc/$TPID/maps" && fail "the patch's memory is still mapped after revert"
expect_eq 0 "$(ask trace)" "traced() after revert (v1)"
bt=$(ask bt)
[ "$bt" -ge 3 ] || fail "backtrace() in the program's code after revert found '$bt' frames"
expect_alive

# Registered, never looked at by libgcc (no backtrace while applied),
# reverted: the next backtrace must not touch the patch's memory.
expect_exit 0 "$NONSTOP" apply "$TPID" fix.nsp
expect_exit 0 "$NONSTOP" revert "$TPID"
grep -q 'nonstop:' "/proc/$TPID/maps" && fail "the patch's memory is still mapped after revert"
bt=$(ask bt)
[ "$bt" -ge 3 ] || fail "backtrace() after an unseen registration found '$bt' frames"
expect_alive

# Without libgcc's unwinder in the process: nothing registered, said so.
stop_target
mkdir -p plain
OUT=plain build_case global_func
expect_exit 0 "$NONSTOP" build -o plain.nsp --binary plain/v1/prog plain/v1 plain/v2
start_target plain/v1/prog
grep -q libgcc_s "/proc/$TPID/maps" && fail "the plain target has libgcc_s loaded"
expect_exit 0 "$NONSTOP" apply -v "$TPID" plain.nsp
expect_stdout_match "libgcc's unwinder is not loaded in process $TPID"
expect_exit 0 "$NONSTOP" status "$TPID"
expect_stdout_match 'with libgcc: not registered'
expect_eq 500 "$(ask call 5)" "compute(5) with the patch"
expect_exit 0 "$NONSTOP" revert "$TPID"
expect_alive
