# A patch applied by a nonstop whose records are version 2 (no CFI, no
# function table) is still read: status lists it, with no unwind info, and
# revert undoes it. The v2 record is made here from a v3 one, in place: its
# function table moved back to where version 2 has it, its magic set back.
. "$TEST_LIB"
build_case global_func
make_patch fix.nsp
start_target v1/prog
expect_exit 0 "$NONSTOP" apply "$TPID" fix.nsp
expect_eq 500 "$(ask call 5)" "compute(5) with the patch"

base=$(awk '/memfd:nonstop:fix/ && $3 == "00000000" {split($1, a, "-"); print a[1]; exit}' \
	"/proc/$TPID/maps")
[ -n "$base" ] || fail "no nonstop:fix mapping in /proc/$TPID/maps"
base=$((16#$base))
mem=/proc/$TPID/mem
rd() { dd if="$mem" bs=4096 iflag=skip_bytes,count_bytes skip="$1" count="$2" status=none; }
wr() { dd of="$mem" bs=4096 oflag=seek_bytes conv=notrunc seek="$1" status=none; }
nfuncs=$(rd $((base + 12)) 4 | od -An -t u4 | tr -d ' ')
expect_eq 1 "$nfuncs" "functions in the record"
# Version 3's header and function records, as nonstop lays them out;
# version 2: a 232-byte header, then 120-byte function records (the first
# 120 bytes of version 3's).
cat >sizes.c <<'EOF'
#include <stdio.h>
#include "registry/registry.h"
int main(void) { printf("%zu %zu\n", sizeof(struct ns_rec), sizeof(struct ns_rec_func)); return 0; }
EOF
gcc -I"$ROOT/src" -I"$ROOT/lib" -o sizes sizes.c || fail "cannot build the record-size helper"
read -r hdr fsize < <(./sizes)
note "version 3 record: $hdr-byte header, $fsize-byte functions"
: >funcs.bin
for ((i = 0; i < nfuncs; i++)); do
	rd $((base + hdr + i * fsize)) 120 >>funcs.bin
done
wr $((base + 232)) <funcs.bin || fail "cannot write the record"
printf 'NSRECv2\0' | wr "$base" || fail "cannot write the record's magic"

expect_exit 0 "$NONSTOP" status "$TPID"
expect_stdout_match 'fix  \[applied'
expect_stdout_match 'compute  0x[0-9a-f]+ -> 0x[0-9a-f]+'
expect_stdout_match 'unwind info: none'
expect_exit 0 "$NONSTOP" revert "$TPID"
expect_eq 6 "$(ask call 5)" "compute(5) after reverting the version 2 record"
grep -q 'nonstop:' "/proc/$TPID/maps" && fail "the patch's mapping is still there"
expect_alive
