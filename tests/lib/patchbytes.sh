# tests/lib/patchbytes.sh — reading and overwriting bytes of a patch file,
# for the tests of what the reader refuses (a hostile patch file).

# sec_off PATCH NAME: file offset of section NAME, in decimal.
sec_off() {
	local hex
	hex=$(readelf -S -W "$1" | sed 's/^ *\[ *[0-9]*\] *//' |
		awk -v n="$2" '$1 == n {print $4}')
	[ -n "$hex" ] || fail "no section $2 in $1"
	echo $((16#$hex))
}

# poke FILE OFFSET BYTE...: overwrites bytes (hex, e.g. ff) at OFFSET.
poke() {
	local f=$1 at=$2 b
	shift 2
	for b in "$@"; do
		printf "\\x$b" | dd of="$f" bs=1 seek="$at" conv=notrunc status=none
		at=$((at + 1))
	done
}

# peek_u32 FILE OFFSET: the little-endian 32-bit value at OFFSET.
peek_u32() {
	od -An -t u4 -j "$2" -N 4 "$1" | tr -d ' '
}
