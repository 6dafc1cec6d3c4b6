# Every byte of a patch file is covered by its seal: 150 single-bit flips
# spread over the whole file (its ELF body and its 184-byte seal alike) are
# each refused by apply with exit 1 and one line saying the file is
# damaged (or has no digest, when the flip hits the seal's magic), and the
# target still runs the old version, its memory map unchanged.
# timeout: 400
. "$TEST_LIB"
build_case global_func
make_patch fix.nsp
size=$(stat -c %s fix.nsp)
bits=$((size * 8))
seal_start=$(( (size - 184) * 8 ))
start_target v1/prog
expect_eq 6 "$(ask call 5)" "v1 compute(5)"
maps_snapshot maps.before

in_seal=0 unsaid=()
for ((i = 0; i < 150; i++)); do
	# Evenly spaced over the file, each at another bit of its byte.
	bit=$(( (i * bits) / 150 + i % 8 ))
	((bit < bits)) || bit=$((bits - 1))
	((bit >= seal_start)) && in_seal=$((in_seal + 1))
	cp fix.nsp flipped.nsp
	flip_bit flipped.nsp "$bit"
	cmp -s fix.nsp flipped.nsp && fail "flip $i: bit $bit did not change the file"
	note "flip $i: bit $bit (byte $((bit / 8)) of $size)"
	expect_exit 1 "$NONSTOP" apply "$TPID" flipped.nsp
	expect_one_error_line
	# The reason is checked after the loop: a flip that applies is the
	# first thing to report.
	grep -Eq 'flipped\.nsp: (damaged|no digest)' last.err ||
		unsaid+=("bit $bit: $(cat last.err)")
done
((in_seal >= 10)) || fail "only $in_seal flips hit the seal"
[ ${#unsaid[@]} = 0 ] ||
	fail "${#unsaid[@]} refusals do not say the file is damaged: ${unsaid[*]:0:3}"
note "$in_seal of the flips were in the seal"

maps_snapshot maps.after
diff maps.before maps.after || fail "/proc/$TPID/maps changed"
expect_eq 6 "$(ask call 5)" "compute(5) after 150 refused patches"
expect_alive
# The file itself still applies.
expect_exit 0 "$NONSTOP" apply "$TPID" fix.nsp
expect_eq 500 "$(ask call 5)" "compute(5) with the intact patch"
