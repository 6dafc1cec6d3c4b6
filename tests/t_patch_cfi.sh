# The patch carries the call-frame information of its code: readelf shows
# an .eh_frame with one FDE per function the patch brings (a replaced one,
# a new one, and a .cold piece with its parent), each relocated against the
# patch's own code. A hostile .eh_frame (in a file with a valid seal: the
# seal refuses a merely damaged one first) is an error with one line, never
# a crash, and the target is untouched; a patch without .eh_frame (code
# built without unwind tables, or by an earlier nonstop) still loads and
# applies.
. "$TEST_LIB"

# frames PATCH: "FDE pc=..." lines of readelf's view of its .eh_frame.
fdes() {
	readelf --debug-dump=frames "$1" 2>&1 | grep -c ' FDE cie=' || true
}
build_case cfi
make_patch fix.nsp
expect_exit 0 "$NONSTOP" show fix.nsp
expect_stdout_match 'replace +compute\>'
expect_stdout_match 'new function +helper\>'
# compute() has a .cold piece (gcc -O2 splits the unlikely branch): three
# FDEs, all relocated against the patch's code.
readelf --debug-dump=frames fix.nsp >frames.txt 2>&1
sed 's/^/  frames| /' frames.txt | head -n 30
objdump -t v2/cfi.o | grep -q 'compute.cold' ||
	fail "the case is meant to give compute() a .cold piece"
expect_eq 3 "$(fdes fix.nsp)" "FDEs in the patch's .eh_frame"
readelf -r fix.nsp | sed -n '/rela.eh_frame/,/^$/p' >rela.txt
sed 's/^/  rela| /' rela.txt
expect_eq 3 "$(grep -c 'R_X86_64_PC32 .* \.text\.' rela.txt)" \
	"PC32 relocations of .eh_frame against the patch's code"

start_target v1/prog
expect_eq 6 "$(ask call 5)" "v1 compute(5)"
maps_snapshot maps.before

# Hostile .eh_frame contents: each is refused with one line naming it.
eh=$(sec_off fix.nsp .eh_frame)
bad() { # NAME OFFSET BYTE...
	local name=$1
	shift
	cp fix.nsp "$name.nsp"
	poke "$name.nsp" "$@"
	reseal "$name.nsp" # the seal would refuse it first
	expect_exit 1 "$NONSTOP" show "$name.nsp"
	expect_one_error_line
	expect_stderr_match '\.eh_frame'
}
bad cie_pointer $((eh + 0x1c)) 10          # first FDE's CIE pointer, off by 8
bad cie_aug $((eh + 0x09)) 50             # augmentation "zR" -> "PR"
bad length $((eh)) ff ff ff 7f            # CIE length past the end
bad fde_range $((eh + 0x24)) ff ff ff 00  # first FDE's range past its code
size=$(readelf -S -W fix.nsp | sed 's/^ *\[ *[0-9]*\] *//' |
	awk '$1 == ".eh_frame" {print $5}')
bad terminator $((eh + 16#$size - 1)) 01  # no zero terminator
expect_exit 1 "$NONSTOP" apply "$TPID" cie_pointer.nsp
expect_one_error_line
expect_stderr_match '\.eh_frame'
maps_snapshot maps.after
diff maps.before maps.after || fail "/proc/$TPID/maps changed after a refused apply"
expect_eq 6 "$(ask call 5)" "compute(5) after the refused apply"

# The patch applies with its CFI, and reverts. Its record, read by a
# fresh nonstop, says where the linked .eh_frame is: the CIE as in the
# file, and an FDE whose initial location is the new compute().
expect_exit 0 "$NONSTOP" apply "$TPID" fix.nsp
expect_eq 16 "$(ask call 5)" "v2 compute(5) = helper(5) + 1"
expect_exit 0 "$NONSTOP" status "$TPID"
expect_stdout_match 'unwind info: [0-9]+ bytes at 0x[0-9a-f]+, 3 functions'
expect_exit 0 "$NONSTOP" status --json "$TPID"
ehaddr=$(sed -n 's/.*"eh_frame":"0x\([0-9a-f]*\)".*/\1/p' last.out)
ehsize=$(sed -n 's/.*"eh_frame":"0x[0-9a-f]*","size":\([0-9]*\).*/\1/p' last.out)
newfn=$(sed -n 's/.*"name":"compute","old":"0x[0-9a-f]*","new":"0x\([0-9a-f]*\)".*/\1/p' last.out)
[ -n "$ehaddr" ] && [ -n "$newfn" ] || fail "status --json: no unwind info or no compute: $(cat last.out)"
expect_eq $((16#$size)) "$ehsize" "size of the .eh_frame in the target"
dd if="/proc/$TPID/mem" of=live.eh bs=4096 iflag=skip_bytes,count_bytes \
	skip=$((16#$ehaddr)) count="$ehsize" status=none || fail "cannot read the target's .eh_frame"
dd if=fix.nsp of=file.cie bs=1 skip="$eh" count=24 status=none
cmp -n 24 live.eh file.cie || fail "the CIE in the target differs from the patch file's"
u32() { od -An -t d4 -j "$1" -N 4 live.eh | tr -d ' '; } # signed
found=0 off=0
while len=$(u32 $off) && [ "$len" != 0 ]; do
	if [ "$(u32 $((off + 4)))" != 0 ]; then # an FDE: pc-relative start
		pc=$((16#$ehaddr + off + 8 + $(u32 $((off + 8)))))
		[ "$pc" = $((16#$newfn)) ] && found=1
	fi
	off=$((off + 4 + len))
done
expect_eq 1 "$found" "an FDE of the live .eh_frame starts at the new compute() (0x$newfn)"
expect_exit 0 "$NONSTOP" revert "$TPID"
expect_eq 6 "$(ask call 5)" "compute(5) after revert"

# Built without unwind tables (gcc then puts the CFI in .debug_frame): no
# .eh_frame in the patch, which still loads and applies.
mkdir -p nocfi
for v in v1 v2; do
	compile_dir "src-$v" "nocfi/$v" -fno-asynchronous-unwind-tables -fno-unwind-tables
done
link_dir nocfi/v1 nocfi/v1/prog
expect_exit 0 "$NONSTOP" build -o nocfi.nsp --binary nocfi/v1/prog nocfi/v1 nocfi/v2
expect_eq 0 "$(fdes nocfi.nsp)" "FDEs in a patch of code without unwind tables"
if readelf -S -W nocfi.nsp | grep -q '\.eh_frame'; then
	fail "a patch of code without unwind tables has an .eh_frame"
fi
stop_target
start_target nocfi/v1/prog
expect_exit 0 "$NONSTOP" apply "$TPID" nocfi.nsp
expect_eq 16 "$(ask call 5)" "compute(5) with the patch without CFI"
expect_exit 0 "$NONSTOP" revert "$TPID"
expect_eq 6 "$(ask call 5)"
expect_alive
