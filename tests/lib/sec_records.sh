# tests/lib/sec_records.sh — what the t_sec_* tests of forged records
# share (sourced by tests/lib.sh): building the case tests/cases/sec_records
# (its main.c includes src/registry/registry.h, to forge records with
# nonstop's own layout) and looking at what nonstop printed.

# build_sec_records: v1/prog and v2/prog (compute multiplies), both linked
# with libnonstop, and fix.nsp from v1 to v2.
build_sec_records() {
	local v
	for v in v1 v2; do
		mkdir -p "src-$v"
		cp "$CASES/sec_records/v1"/*.c "src-$v"/
		[ "$v" = v1 ] || cp "$CASES/sec_records/$v"/*.c "src-$v"/
		compile_dir "src-$v" "$v" -I"$ROOT/src" -I"$ROOT/lib"
		link_dir "$v" "$v/prog" -L"$ROOT/build" -Wl,--no-as-needed -lnonstop \
			-Wl,-rpath,"$ROOT/build"
	done
	make_patch fix.nsp
}

# expect_no_raw_controls FILE...: no byte of FILE is a C0 control other
# than LF and TAB, DEL, or U+009B (CSI) in UTF-8: what a terminal would
# obey rather than show.
expect_no_raw_controls() {
	local f
	for f in "$@"; do
		if LC_ALL=C grep -qP '[\x00-\x08\x0b-\x1f\x7f]|\xc2\x9b' "$f"; then
			fail "$f holds raw control bytes: $(od -c "$f" | head -n 20)"
		fi
		note "ok: no raw control bytes in $f"
	done
}
