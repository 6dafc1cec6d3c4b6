# A transformed layout change with live data preserved: the program's table
# of structs grows (a byte in padding, a bit-field, a longer name, a new
# field, two more elements) while a worker thread keeps reading it. The
# transformer `build --emit-transformer` wrote, its placeholders filled, is
# added to the new build with NONSTOP_TRANSFORM/UNTRANSFORM; apply runs it
# inside the process during the pause, and the new code then sees the old
# entries with the new fields as the transformer set them; revert puts the
# state back for the old code. Without an untransformer, revert is refused;
# in the per-thread mode, apply is refused (--mode stop works).
# timeout: 240
. "$TEST_LIB"

LDEXTRA=()
build_case xform_table
make_v3 .
expect_exit 0 "$NONSTOP" build -o fix.nsp --binary v1/prog v1 v3
expect_exit 0 "$NONSTOP" show fix.nsp
expect_stdout_match "transformed data table .*state transformer, live size 64"
expect_stdout_match "transformer +table by nonstop_transform_table\(\)"
expect_stdout_match "untransformer table by nonstop_untransform_table\(\)"
expect_stdout_match "replace +first_used .*uses transformed data"
expect_stdout_match "replace +beat .*uses transformed data"

start_target v1/prog
expect_eq 0 "$(ask add alpha)"
expect_eq 1 "$(ask add beta)"
expect_eq 1 "$(ask hit 0)"
expect_eq 2 "$(ask hit 0)"
expect_eq 1 "$(ask hit 1)"
expect_eq "100 alpha hits=2 level=1" "$(ask show 0)"
b0=$(ask beats)

expect_exit 0 "$NONSTOP" apply "$TPID" fix.nsp
expect_stdout_match "1 variable moved into the patch by its state transformers"
expect_alive
# The old entries, with the new fields as the transformer set them.
expect_eq "100 alpha hits=2 level=1 prio=7 hot=1 seen=20" "$(ask show 0)" "entry 0 after apply"
expect_eq "101 beta hits=1 level=2 prio=7 hot=0 seen=10" "$(ask show 1)" "entry 1 after apply"
expect_eq 2 "$(ask n)"
# The new code works on them.
expect_eq 3 "$(ask hit 0)"
expect_eq "100 alpha hits=3 level=1 prio=7 hot=1 seen=21" "$(ask show 0)"
expect_eq 2 "$(ask add gamma)"
expect_eq "102 gamma hits=0 level=3 prio=1 hot=0 seen=0" "$(ask show 2)"
# A function whose code did not change reads the new table too.
expect_eq 100 "$(ask first)"
expect_eq 0 "$(ask drop 0)"
expect_eq -1 "$(ask first)" "first_used() reads the patch's table"
# The worker thread went on (and reads the new table: +2 per beat now).
b1=$(ask beats)
[ "$b1" -gt "$b0" ] || fail "the worker stopped: beats $b0 then $b1"

# Revert: the untransformer puts the state back for the old code.
expect_exit 0 "$NONSTOP" revert "$TPID"
expect_stdout_match "state put back into 1 variable by the patch's untransformers"
expect_alive
expect_eq "100 alpha hits=3 level=1" "$(ask show 0)" "entry 0 after revert"
expect_eq "102 gamma hits=0 level=3" "$(ask show 2)" "entry 2 after revert"
expect_eq -1 "$(ask first)" "the drop made by the new code is kept"
expect_eq 3 "$(ask add delta)"
expect_eq -1 "$(ask add epsilon)" "v1 has room for 4 entries"

# Applied again, from the state the old code left: two more entries fit.
expect_exit 0 "$NONSTOP" apply "$TPID" fix.nsp
expect_eq "103 delta hits=0 level=4 prio=7 hot=0 seen=0" "$(ask show 3)"
expect_eq 4 "$(ask add epsilon)"
expect_eq 5 "$(ask add zeta)"
expect_eq "105 zeta hits=0 level=6 prio=1 hot=0 seen=0" "$(ask show 5)"
expect_eq 6 "$(ask n)"
expect_alive
stop_target

# Without NONSTOP_UNTRANSFORM the patch applies, and revert is refused.
mkdir noundo
cp -r src-v1 src-v2 v1 v2 noundo/
NOUNDO=1 make_v3 noundo
(cd noundo && make_patch fix.nsp v1 v3)
start_target v1/prog
expect_eq 0 "$(ask add alpha)"
expect_exit 0 "$NONSTOP" apply "$TPID" noundo/fix.nsp
expect_eq "100 alpha hits=0 level=1 prio=7 hot=0 seen=0" "$(ask show 0)"
expect_exit 1 "$NONSTOP" revert "$TPID"
expect_one_error_line
expect_stderr_match "patch 'fix' cannot be reverted: it transformed variable 'table' and gives no NONSTOP_UNTRANSFORM"
expect_alive
expect_eq "100 alpha hits=0 level=1 prio=7 hot=0 seen=0" "$(ask show 0)" "still the new code"
stop_target

# Per-thread mode (the program runs libnonstop): refused, --mode stop works.
mkdir pt
(cd pt && OUT=. build_case xform_table --libnonstop)
LDEXTRA=(-L"$ROOT/build" -lnonstop -Wl,-rpath,"$ROOT/build")
make_v3 pt
(cd pt && make_patch fix.nsp v1 v3)
start_target pt/v1/prog
expect_eq 0 "$(ask add alpha)"
expect_exit 1 "$NONSTOP" apply "$TPID" pt/fix.nsp
expect_one_error_line
expect_stderr_match "transforms data .*per-thread mode cannot do .*add --mode stop"
expect_eq "100 alpha hits=0 level=1" "$(ask show 0)" "nothing applied"
expect_exit 0 "$NONSTOP" apply --mode stop "$TPID" pt/fix.nsp
expect_eq "100 alpha hits=0 level=1 prio=7 hot=0 seen=0" "$(ask show 0)"
expect_alive
