#!/bin/bash
# make_target_seeds.sh [OUTDIR] — builds a seed corpus of real target memory
# for the fuzzer of nonstop's readers of it (fuzz/target_read_fuzz.c) into
# OUTDIR (default build/fuzz/read-seeds): for each scenario, a process of
# tests/cases gets a real `nonstop apply`, then its memory map and the
# memory nonstop reads (every "nonstop:" mapping, whole; with libnonstop,
# the mapping of its control block and of its first chunk of thread slots)
# are written in the fuzzer's input format (described atop
# target_read_fuzz.c). Scenarios: a stop-the-world patch (CFI, syms), one
# with hooks (version 4 record), a per-thread one (control block, slots),
# one with a state transformer (its table), two stacked patches, and the
# records tests/cases/sec_records forges (escapes, a time of 2^62, a
# damaged one, a thread named with an escape).
# Uses the tests' helpers (tests/lib.sh) in a temporary directory removed
# on exit. Needs build/nonstop and build/libnonstop.so (make). Run from the
# repository root. Generated files are never committed.
set -euo pipefail

out=${1:-build/fuzz/read-seeds}
ROOT=$(pwd)
export ROOT NONSTOP=$ROOT/build/nonstop CASES=$ROOT/tests/cases
export TEST_LIB=$ROOT/tests/lib.sh
[ -x "$NONSTOP" ] && [ -f build/libnonstop.so ] ||
	{ echo "make_target_seeds.sh: build nonstop first (make)" >&2; exit 1; }
mkdir -p "$out"
out=$(cd "$out" && pwd)
tmp=$(mktemp -d /tmp/fuzz-target-seeds.XXXXXX)
cd "$tmp"
# shellcheck source=../tests/lib.sh
. "$TEST_LIB"
# lib.sh kills the targets at exit; the scratch goes too.
trap '_cleanup; rm -rf "$tmp"' EXIT

# le VALUE BYTES: VALUE little-endian, in BYTES bytes.
le() {
	local v=$1 n=$2 i
	for ((i = 0; i < n; i++)); do
		printf "\\x$(printf %02x $(((v >> (8 * i)) & 255)))"
	done
}

# peek8 PID ADDR: the 64-bit value at ADDR in process PID.
peek8() {
	dd if="/proc/$1/mem" bs=8 iflag=skip_bytes,count_bytes skip="$2" count=8 \
		status=none | od -An -t u8 | tr -d ' '
}

# The address of libnonstop's control block in PID (0 if none).
rt_addr() {
	local pid=$1 base sym
	base=$(awk '/libnonstop\.so/ && $3 == "00000000" {split($1, a, "-"); print a[1]; exit}' \
		"/proc/$pid/maps")
	[ -n "$base" ] || { echo 0; return; }
	sym=$(nm -D --defined-only "$ROOT/build/libnonstop.so" | awk '$3 == "nonstop__rt" {print $1}')
	echo $((16#$base + 16#$sym))
}

# dump_seed PID NAME: the seed of process PID's memory as nonstop reads it
# (in the current directory: dump.N, the content of its Nth mapping).
dump_seed() {
	local pid=$1 file=$out/$2.bin rt chunk=0 n=0 start end
	local -a descs=() dumps=()
	rt=$(rt_addr "$pid")
	[ "$rt" = 0 ] || chunk=$(peek8 "$pid" $((rt + 32)))
	while read -r range perms off _ inode path; do
		local start=$((16#${range%-*})) end=$((16#${range#*-})) kind=0 prot=0 bytes=0
		local pages=$(((end - start) / 4096))
		[ $pages -le 256 ] || pages=256
		case $path in
		/memfd:nonstop:shadow*) kind=3 ;;
		/memfd:nonstop:*) kind=1 ;;
		/*) kind=2 ;;
		esac
		[[ $perms == r* ]] && prot=$((prot | 1))
		[[ $perms == ?w* ]] && prot=$((prot | 2))
		[[ $perms == ??x* ]] && prot=$((prot | 4))
		# The memory nonstop reads, its zeros at the end left out (they
		# read as zeros); the program's code, for its map only (entries
		# must be there); nothing else.
		if [ $kind = 1 ] || [ $kind = 3 ] ||
			{ [ "$rt" != 0 ] && [ "$rt" -ge $start ] && [ "$rt" -lt $end ]; } ||
			{ [ "$chunk" != 0 ] && [ "$chunk" -ge $start ] && [ "$chunk" -lt $end ]; }; then
			dd if="/proc/$pid/mem" bs=4096 iflag=skip_bytes,count_bytes \
				skip="$start" count=$((pages * 4096)) status=none |
				perl -0777 -pe 's/\0+\z//' >"dump.$n"
			bytes=$(stat -c %s "dump.$n")
			dumps+=("dump.$n")
		elif [ $kind != 2 ] || [[ $perms != ??x* ]]; then
			continue
		fi
		[ $n -lt 64 ] || break
		descs+=("$start $pages $bytes $prot $kind $((16#$off / 4096)) $inode")
		n=$((n + 1))
	done <"/proc/$pid/maps"
	{
		le "$rt" 8
		le $n 4
		le 0 4
		local d
		for d in "${descs[@]}"; do
			read -r start pages bytes prot kind offp inode <<<"$d"
			le "$start" 8; le "$pages" 4; le "$bytes" 4; le "$prot" 1
			le "$kind" 1; le "$offp" 2; le "$inode" 4
		done
		[ ${#dumps[@]} = 0 ] || cat "${dumps[@]}"
	} >"$file"
	echo "make_target_seeds.sh: $2: $n mappings, $(stat -c %s "$file") bytes"
}

# scenario NAME: in a directory of its own, quietly.
scenario() {
	mkdir -p "$tmp/$1"
	cd "$tmp/$1"
}

# one_patch NAME CASE [BUILD_CASE_OPTION]: CASE's v1 with its patch to v2
# applied (per thread if linked with libnonstop).
one_patch() {
	scenario "$1"
	build_case "$2" ${3:+"$3"} >log 2>&1
	make_patch fix.nsp >>log 2>&1
	start_target v1/prog >>log
	expect_exit 0 "$NONSTOP" apply "$TPID" fix.nsp >>log
	dump_seed "$TPID" "$1"
	stop_target
}

one_patch stop global_func
one_patch hooks hooks
one_patch per-thread pt --libnonstop

scenario xform
LDEXTRA=()
build_case xform_table >log 2>&1
make_v3 . >>log 2>&1
expect_exit 0 "$NONSTOP" build -o fix.nsp --binary v1/prog v1 v3 >>log
start_target v1/prog >>log
expect_exit 0 "$NONSTOP" apply "$TPID" fix.nsp >>log
dump_seed "$TPID" xform
stop_target

scenario stacked
build_case stack_chain >log 2>&1
build_version stack_chain v3 v2 v3 >>log 2>&1
expect_exit 0 "$NONSTOP" build --name A -o A.nsp --binary v1/prog --new-binary v2/prog v1 v2 >>log
expect_exit 0 "$NONSTOP" build --name B -o B.nsp --binary v2/prog --new-binary v3/prog v2 v3 >>log
start_target v1/prog >>log
expect_exit 0 "$NONSTOP" apply "$TPID" A.nsp >>log
expect_exit 0 "$NONSTOP" apply "$TPID" B.nsp >>log
dump_seed "$TPID" stacked
stop_target

scenario forged
build_sec_records >log 2>&1
start_target v1/prog >>log
ask name >/dev/null
ask forge escape >/dev/null
ask forge damaged >/dev/null
dump_seed "$TPID" forged
stop_target

echo "make_target_seeds.sh: seeds in $out"
