#!/bin/bash
# make_seeds.sh [OUTDIR] — builds a seed corpus of real patch files for the
# patch-reader fuzzer (fuzz/patch_load_fuzz.c) into OUTDIR (default
# build/fuzz/seeds). Each seed comes from `nonstop build` output for one case
# of tests/cases, built the way tests/lib.sh build_case does: v1 compiled and
# linked, v1 + v2 overlay compiled and linked, both with $(nonstop cflags)
# -O2. Every patch gives two seeds, in the fuzzer's input format: raw-CASE
# (a 0 byte, then the whole file, seal included) and sealed-CASE (a 1 byte,
# then the file without its seal, which the fuzzer seals itself). The
# first case is also built signed (--sign, with a key made here by
# openssl), as raw-signed-CASE.
# Needs build/nonstop (make). Run from the repository root; scratch goes to a
# temporary directory removed on exit. Generated files are never committed.
set -euo pipefail

out=${1:-build/fuzz/seeds}
nonstop=$(pwd)/build/nonstop
cases=$(pwd)/tests/cases
[ -x "$nonstop" ] || { echo "make_seeds.sh: build $nonstop first (make)" >&2; exit 1; }
# Cases chosen for variety: statics with STT_FILE file names,
# new data, many relocation types, TLS, a patch meant to be stacked on, and
# CFI with a .cold piece (every seed carries an .eh_frame), and hooks (a
# format 3 patch, with its hook table).
# Every seed records a result build-id (--new-binary v2/prog) and, for each
# replaced function, the ranges its checksum masks.
seed_cases=(static_func new_global relocs tls stack_chain cfi hooks)

mkdir -p "$out"
out=$(cd "$out" && pwd)
# Seeds of an older make_seeds.sh: whole files without the mode byte.
rm -f -- "$out"/*.nsp
tmp=$(mktemp -d /tmp/fuzz-seeds.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
openssl genpkey -algorithm ed25519 -out "$tmp/key.pem" 2>/dev/null

# seed NAME PATCH: writes the two seeds of PATCH (see above).
seal_size=184 # NS_SEAL_SIZE, src/patch/patch_seal.h
seed() {
	local name=$1 patch=$2 size
	size=$(stat -c %s "$patch")
	{ printf '\000'; cat "$patch"; } >"$out/raw-$name"
	{ printf '\001'; head -c $((size - seal_size)) "$patch"; } >"$out/sealed-$name"
}
cflags="$("$nonstop" cflags) -O2 -std=gnu11 -Wall -pthread -I$(pwd)/include -I$cases/include"

compile() { # SRCDIR OBJDIR: every SRCDIR/*.c by base name, as compile_dir
	local src=$1 obj=$2 f
	mkdir -p "$obj"
	for f in "$src"/*.c; do
		f=$(basename "$f")
		# shellcheck disable=SC2086
		(cd "$src" && gcc $cflags -c "$f" -o "$obj/${f%.c}.o")
	done
}

n=0
for c in "${seed_cases[@]}"; do
	[ -d "$cases/$c/v2" ] || continue
	d=$tmp/$c
	mkdir -p "$d/src-v1" "$d/src-v2"
	cp "$cases/$c/v1"/*.c "$d/src-v1/"
	cp "$cases/$c/v1"/*.c "$d/src-v2/"
	cp "$cases/$c/v2"/*.c "$d/src-v2/"
	compile "$d/src-v1" "$d/v1"
	compile "$d/src-v2" "$d/v2"
	gcc -pthread -o "$d/v1/prog" "$d/v1"/*.o
	gcc -pthread -o "$d/v2/prog" "$d/v2"/*.o
	build=("$nonstop" build --binary "$d/v1/prog" --new-binary "$d/v2/prog")
	if "${build[@]}" -o "$d/fix.nsp" "$d/v1" "$d/v2" >"$d/build.log" 2>&1 &&
		{ [ "$n" != 0 ] || "${build[@]}" -o "$d/signed.nsp" \
			--sign "$tmp/key.pem" "$d/v1" "$d/v2" >>"$d/build.log" 2>&1; }; then
		seed "$c" "$d/fix.nsp"
		[ "$n" != 0 ] || seed "signed-$c" "$d/signed.nsp"
		n=$((n + 1))
	else
		echo "make_seeds.sh: nonstop build failed for $c:" >&2
		cat "$d/build.log" >&2
	fi
done
echo "make_seeds.sh: $n seed patches in $out"
[ "$n" -gt 0 ]
