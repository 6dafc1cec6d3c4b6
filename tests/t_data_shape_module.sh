# Data shapes (docs/data-shapes.md, shape 3): a new module in a module
# table (tests/cases/data_shape_module: modules register themselves into
# the table at startup, from modules_init()).
# - The fix as naturally written (v2: a new module, registered in
#   modules_init) builds and applies, but does nothing: modules_init ran
#   when the process started and never runs again, so the new module is
#   never in the table.
# - v3 adds a post-apply hook that registers the new module, and a
#   pre-revert hook that takes it out of the table before the patch's
#   memory (the module itself) is released: the process runs the new
#   module after apply, the other modules keep their counters, and after
#   revert the table is v1's again, without a pointer into the patch.
# - A table written out with its initializer (tests/cases/
#   data_shape_modtable) is shape 1: the naive fix is refused (the table
#   changed type), and a transformer that copies the live entries into the
#   patch's longer table does it; the modules keep their counters.
. "$TEST_LIB"

build_case data_shape_module
build_version data_shape_module v3 v3

start_target v1/prog
expect_eq 8 "$(ask run twice 4)"
expect_eq 8 "$(ask run twice 4)"
expect_eq 9 "$(ask run square 3)"
expect_eq "no module negate" "$(ask run negate 5)"
expect_eq "twice:2 square:1" "$(ask mods)"

note "--- the fix as naturally written: applied, without effect"
expect_exit 0 "$NONSTOP" build -o naive.nsp --binary v1/prog v1 v2
expect_stdout_match "^wrote naive\.nsp: 1 function replaced, 1 added, 1 variable added$"
[ ! -s last.err ] || fail "build said something: $(cat last.err)"
expect_exit 0 "$NONSTOP" apply "$TPID" naive.nsp
[ ! -s last.err ] || fail "apply said something: $(cat last.err)"
expect_eq "no module negate" "$(ask run negate 5)" "modules_init does not run again"
expect_eq "twice:2 square:1" "$(ask mods)"
expect_exit 0 "$NONSTOP" revert "$TPID"

note "--- registered by a post-apply hook, taken out by a pre-revert hook"
make_patch fix.nsp v1 v3
expect_exit 0 "$NONSTOP" show fix.nsp
expect_stdout_match "^  post-apply +negate_in +\[patch\]$"
expect_stdout_match "^  pre-revert +negate_out +\[patch\]$"
expect_stdout_match "^ +takes no lock: runs in any thread$"
expect_exit 0 "$NONSTOP" apply "$TPID" fix.nsp
expect_stdout_match "post-apply hook 'negate_in' returned 0"
expect_alive
expect_eq -5 "$(ask run negate 5)" "the new module runs"
expect_eq 7 "$(ask run negate -7)"
expect_eq 8 "$(ask run twice 4)"
expect_eq "twice:3 square:1 negate:2" "$(ask mods)" "the old modules keep their counters"

expect_exit 0 "$NONSTOP" revert "$TPID"
expect_stdout_match "pre-revert hook 'negate_out' returned 0"
expect_alive
if grep -q 'nonstop:' "/proc/$TPID/maps"; then
	fail "patch memory left: $(grep nonstop: "/proc/$TPID/maps")"
fi
expect_eq "no module negate" "$(ask run negate 5)" "v1's table again"
expect_eq "twice:3 square:1" "$(ask mods)"
expect_eq 8 "$(ask run twice 4)" "the table reads well without the patch"

# Applied again: registered again, its counter from 0 (it lived in the patch).
expect_exit 0 "$NONSTOP" apply "$TPID" fix.nsp
expect_eq "twice:4 square:1 negate:0" "$(ask mods)"
expect_eq -1 "$(ask run negate 1)"
expect_alive
stop_target

note "--- a table written out: refused, then moved by a transformer"
mkdir table && cd table
build_case data_shape_modtable
build_version data_shape_modtable v3 v3
expect_exit 1 "$NONSTOP" build -o naive.nsp --binary v1/prog v1 v2
expect_one_error_line
expect_stderr_match "^nonstop build: refusing: variable 'table' \(modules\.c\) changed type from 'struct module \*\[2\]' to 'struct module \*\[3\]': live data cannot be read with the new type without a state transformer \(NONSTOP_TRANSFORM\) \(build --emit-transformer FILE writes one\)$"
make_patch fix.nsp v1 v3
expect_exit 0 "$NONSTOP" show fix.nsp
expect_stdout_match "transformed data table .*state transformer, live size 16"
expect_stdout_match "^  mod_twice \(static, modules\.c\)$"
start_target v1/prog
expect_eq 8 "$(ask run twice 4)"
expect_eq 9 "$(ask run square 3)"
expect_eq "no module negate" "$(ask run negate 5)"
expect_exit 0 "$NONSTOP" apply "$TPID" fix.nsp
expect_stdout_match "1 variable moved into the patch by its state transformers"
expect_alive
expect_eq -5 "$(ask run negate 5)" "the new module runs"
expect_eq 8 "$(ask run twice 4)"
expect_eq "twice:2 square:1 negate:1" "$(ask mods)" "the old modules keep their counters"
expect_exit 0 "$NONSTOP" revert "$TPID"
expect_stdout_match "state put back into 1 variable by the patch's untransformers"
expect_alive
expect_eq "no module negate" "$(ask run negate 5)" "v1's table again"
expect_eq "twice:2 square:1" "$(ask mods)"
