# Data shapes (docs/data-shapes.md, shape 1): a static array of structs
# grows by one entry (tests/cases/data_shape_array). The fix as naturally
# written (v2: one more initializer) is refused by build, naming the
# variable and its two types. The patch as the user writes it (v3: v2
# and a transformer that moves the live hits into the patch's longer
# table, and an untransformer) applies live: the process answers as v2,
# the old entries keep their hits, the new one starts from its
# initializer; revert gives v1 back with every hit the old entries got,
# before and after the apply.
. "$TEST_LIB"

build_case data_shape_array
build_version data_shape_array v3 v3

note "--- the fix as naturally written: refused"
expect_exit 1 "$NONSTOP" build -o naive.nsp --binary v1/prog v1 v2
expect_one_error_line
expect_stderr_match "^nonstop build: refusing: variable 'rates' \(rates\.c\) changed type from 'struct rate\[2\]' to 'struct rate\[3\]': live data cannot be read with the new type without a state transformer \(NONSTOP_TRANSFORM\) \(build --emit-transformer FILE writes one\)$"
[ ! -e naive.nsp ] || fail "a patch was written"

note "--- with a state transformer"
make_patch fix.nsp v1 v3
expect_exit 0 "$NONSTOP" show fix.nsp
expect_stdout_match "transformed data rates .*state transformer, live size 48"
expect_stdout_match "transformer +rates by rates_grow\(\)"
expect_stdout_match "untransformer rates by rates_shrink\(\)"

start_target v1/prog
expect_eq 2 "$(ask kinds)"
for i in 1 2 3; do ask hit get >/dev/null; done
for i in 1 2 3; do ask hit put >/dev/null; done
expect_eq "get limit=100 hits=3" "$(ask show get)"
expect_eq "put limit=2 hits=3 over" "$(ask show put)"
expect_eq -1 "$(ask hit del)" "v1 has no kind del"

expect_exit 0 "$NONSTOP" apply "$TPID" fix.nsp
expect_stdout_match "1 variable moved into the patch by its state transformers"
expect_alive
expect_eq 3 "$(ask kinds)" "v2's table"
expect_eq "get limit=100 hits=3" "$(ask show get)" "the old entry get, its hits kept"
expect_eq "put limit=2 hits=3 over" "$(ask show put)" "the old entry put, its hits kept"
expect_eq "del limit=5 hits=0" "$(ask show del)" "the new entry, as initialized"
expect_eq 1 "$(ask hit del)"
expect_eq 4 "$(ask hit get)" "get counts on"

expect_exit 0 "$NONSTOP" revert "$TPID"
expect_stdout_match "state put back into 1 variable by the patch's untransformers"
expect_alive
expect_eq 2 "$(ask kinds)" "v1's table again"
expect_eq "get limit=100 hits=4" "$(ask show get)" "get keeps the hit it got from v2"
expect_eq "put limit=2 hits=3 over" "$(ask show put)"
expect_eq "no kind del" "$(ask show del)"

# Applied again: the new entry starts over (its hits went with the patch).
expect_exit 0 "$NONSTOP" apply "$TPID" fix.nsp
expect_eq "del limit=5 hits=0" "$(ask show del)"
expect_eq "get limit=100 hits=4" "$(ask show get)"
expect_alive
