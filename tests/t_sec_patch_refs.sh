# The table of references a patch keeps for its replaced functions (what
# each relocated field of the old code referred to; patch format 5) is
# hostile input like the rest of the file: a record naming an entry that
# does not exist, a field outside its function, an unknown kind, a string
# outside the string area — each in a file with a valid seal (the seal
# would refuse a merely damaged one first) — is refused with one line by
# show and by apply, and the target is untouched; so is a string
# reference longer than the 128 bytes apply reads of the target for it (a
# symbol's name made a string: apply's buffer overflowed before the reader
# bounded it). The untouched patch says it is format 5 and applies.
. "$TEST_LIB"

build_case stack_running
make_patch fix.nsp
meta=$(sec_off fix.nsp .nonstop.meta)
expect_eq "4e535041 54434800 05000000 d8000000" \
	"$(readelf -x .nonstop.meta fix.nsp | sed -n 's/^  0x00000000 \(.\{35\}\).*/\1/p')" \
	"magic, format version, header size"
nrefs=$(peek_u32 fix.nsp $((meta + 208)))
refs=$((meta + $(peek_u32 fix.nsp $((meta + 212)))))
[ "$nrefs" -ge 2 ] || fail "the case is meant to give the patch references ($nrefs)"

start_target v1/prog
expect_eq hello "$(ask greet)" "v1 greet"
maps_snapshot maps.before

bad() { # NAME WHAT OFFSET BYTE...
	local name=$1 what=$2
	shift 2
	cp fix.nsp "$name.nsp"
	poke "$name.nsp" "$@"
	reseal "$name.nsp"
	expect_exit 1 "$NONSTOP" show "$name.nsp"
	expect_one_error_line
	expect_stderr_match "$what"
	expect_exit 1 "$NONSTOP" apply "$TPID" "$name.nsp"
	expect_one_error_line
	expect_stderr_match "$what"
}
bad entry "reference 0: entry 99 out of order or not a replaced function" \
	$((refs + 0)) 63 00 00 00
bad offset "reference 0: type [0-9]+, kind [0-9]+ or offset 4096 does not fit" \
	$((refs + 4)) 00 10 00 00
bad kind "reference 0: type [0-9]+, kind 9 or offset [0-9]+ does not fit" \
	$((refs + 12)) 09 00 00 00
bad string "reference string offset 4294967294 is outside the string area" \
	$((refs + 24)) fe ff ff ff
bad order "reference 1: (entry [0-9]+ out of order|offset 0 out of order)" \
	$((refs + 32 + 0)) 00 00 00 00 00 00 00 00
maps_snapshot maps.after
diff maps.before maps.after || fail "/proc/$TPID/maps changed after refused applies"

expect_exit 0 "$NONSTOP" apply "$TPID" fix.nsp
expect_eq "hello, world" "$(ask greet)" "greet with the fix"
expect_alive
stop_target

note "--- a string reference longer than 128 bytes"
OUT=long build_case sec_refs_long
make_patch long.nsp long/v1 long/v2
lmeta=$(sec_off long.nsp .nonstop.meta)
lrefs=$((lmeta + $(peek_u32 long.nsp $((lmeta + 212)))))
expect_eq 1 "$(peek_u32 long.nsp $((lmeta + 208)))" "references of calc (its call)"
expect_eq 1 "$(peek_u32 long.nsp $((lrefs + 12)))" "the reference's kind (a symbol)"
start_target long/v1/prog
expect_eq 22 "$(ask calc 10)" "v1 calc(10)"
cp long.nsp longstr.nsp
poke longstr.nsp $((lrefs + 12)) 02 00 00 00
reseal longstr.nsp
expect_exit 1 "$NONSTOP" show longstr.nsp
expect_one_error_line
expect_stderr_match "reference 0: a string longer than 128 bytes"
expect_exit 1 "$NONSTOP" apply "$TPID" longstr.nsp
expect_one_error_line
expect_stderr_match "reference 0: a string longer than 128 bytes"
expect_exit 0 "$NONSTOP" apply "$TPID" long.nsp
expect_eq 33 "$(ask calc 10)" "calc(10) with the fix"
expect_alive
