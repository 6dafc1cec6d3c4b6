# tests/lib/transform.sh — for the tests of state transformers on the case
# tests/cases/xform_table (sourced by tests/lib.sh): builds the new version
# the way a user does.
#
# make_v3 DIR [CFLAGS...]: in DIR (which holds v1/, v2/ and src-v2/ from
# build_case), runs `nonstop build --emit-transformer` (refused: exit 1),
# fills the placeholders of the transformer it wrote, and builds DIR/v3:
# the v2 sources, the transformer as transform.c, and its registration
# appended to table.c (without NONSTOP_UNTRANSFORM if NOUNDO=1); linked with
# LDEXTRA (an array, may be empty).
make_v3() {
	local d=$1
	shift
	(cd "$d" && expect_exit 1 "$NONSTOP" build -o fix.nsp --binary v1/prog \
		--emit-transformer xf.c v1 v2)
	sed -i \
		-e "s|/\* NONSTOP-TODO: new field 'prio'.*|(*n)[i0].prio = 7;|" \
		-e "s|/\* NONSTOP-TODO: new field 'hot'.*|(*n)[i0].hot = (*o)[i0].hits >= 2;|" \
		-e "s|/\* NONSTOP-TODO: new field 'seen'.*|(*n)[i0].seen = (long)(*o)[i0].hits * 10;|" \
		-e "s|/\* NONSTOP-TODO: elements 8..11 of field 'name' do not fit.*|(*o)[i0].name[7] = 0;|" \
		"$d/xf.c"
	grep -q "(\*n)\[i0\].prio = 7;" "$d/xf.c" || fail "the placeholders of $d/xf.c were not where expected"
	rm -rf "$d/src-v3"
	cp -r "$d/src-v2" "$d/src-v3"
	cp "$d/xf.c" "$d/src-v3/transform.c"
	{
		echo '#include "nonstop.h"'
		echo 'NONSTOP_TRANSFORM(table, nonstop_transform_table);'
		[ "${NOUNDO:-0}" = 1 ] || echo 'NONSTOP_UNTRANSFORM(table, nonstop_untransform_table);'
	} >>"$d/src-v3/table.c"
	compile_dir "$d/src-v3" "$d/v3" -I"$ROOT/include" "$@"
	link_dir "$d/v3" "$d/v3/prog" ${LDEXTRA[@]+"${LDEXTRA[@]}"}
}
