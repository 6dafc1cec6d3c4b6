# nonstop build --emit-transformer: the table of structs grows (a byte in
# padding, a bit-field, a longer name, a new last field, two more elements).
# The build is refused, naming the variable, and writes a C file that
# compiles as it is (gcc and clang, -Wall -Wextra -Werror); once its
# placeholders are filled, its transformer turns the bytes of a live v1
# table into a v2 table that v2's own struct definition reads right (and its
# untransformer back), with the new build's initial value kept where it
# sets nothing.
. "$TEST_LIB"
build_case xform_table

expect_exit 1 "$NONSTOP" build -o fix.nsp --binary v1/prog --emit-transformer xf.c v1 v2
expect_one_error_line
expect_stderr_match "refusing: variable 'table' \(table\.c\) changed type from 'struct entry\[4\]' to 'struct entry\[6\]'"
expect_stderr_match "wrote xf\.c"
expect_stdout_match "^wrote xf\.c: 1 transformer, [0-9]+ NONSTOP-TODO placeholders to fill$"
[ ! -e fix.nsp ] || fail "a patch was written"
[ -s xf.c ] || fail "no xf.c"
grep -q "NONSTOP-TODO: new field 'prio' (unsigned char): set it" xf.c ||
	fail "no placeholder for the new field prio: $(grep NONSTOP-TODO xf.c)"
grep -q "NONSTOP_TRANSFORM(table, nonstop_transform_table);" xf.c ||
	fail "xf.c does not say how to register its transformer"

# As it is, it compiles.
gcc -std=gnu11 -Wall -Wextra -Werror -c xf.c -o xf-gcc.o || fail "xf.c does not compile with gcc"
if command -v clang >/dev/null; then
	clang -std=gnu11 -Wall -Wextra -Werror -c xf.c -o xf-clang.o ||
		fail "xf.c does not compile with clang"
fi

# Fill the placeholders: what a user writes.
sed -i \
	-e "s|/\* NONSTOP-TODO: new field 'prio'.*|(*n)[i0].prio = 7;|" \
	-e "s|/\* NONSTOP-TODO: new field 'hot'.*|(*n)[i0].hot = (*o)[i0].hits >= 2;|" \
	-e "s|/\* NONSTOP-TODO: new field 'seen'.*|(*n)[i0].seen = (long)(*o)[i0].hits * 10;|" \
	-e "s|/\* NONSTOP-TODO: elements 8..11 of field 'name' do not fit.*|(*o)[i0].name[7] = 0;|" \
	xf.c
grep -q "(\*n)\[i0\].prio = 7;" xf.c || fail "the placeholders were not where expected"

# The program's own structs (tests/cases/xform_table/v1 and v2), to read
# the transformer's output as the program does, bit-fields included.
cat >driver.c <<'EOF'
#include <stdio.h>
#include <string.h>
#include "xf.c"

struct v1_entry { int id; unsigned char used; unsigned hits : 12; unsigned level : 4; char name[8]; };
struct v2_entry { int id; unsigned char used; unsigned char prio; unsigned hits : 12;
		  unsigned hot : 1; unsigned level : 4; char name[12]; long seen; };

#define CHECK(c) do { if (!(c)) { printf("FAIL line %d: %s\n", __LINE__, #c); return 1; } } while (0)

int main(void)
{
	struct v1_entry a[4], back[4];
	struct v2_entry b[6];
	unsigned char old_bytes[sizeof(a)], new_bytes[sizeof(b)];

	CHECK(sizeof(old_bytes) == sizeof(nonstop_old_table_t));
	CHECK(sizeof(new_bytes) == sizeof(nonstop_new_table_t));
	memset(a, 0, sizeof(a));
	for (int i = 0; i < 4; i++) {
		a[i].id = 100 + i;
		a[i].used = 1;
		a[i].hits = (unsigned)(3 * i + 1);
		a[i].level = (unsigned)(15 - i);
		memcpy(a[i].name, "n-abcde", 8);
		a[i].name[1] = (char)('0' + i);
	}
	/* The new variable holds the new build's initial value. */
	memset(b, 0, sizeof(b));
	b[4].id = 444;
	b[5].id = 555;
	b[0].name[10] = 'z';
	memcpy(old_bytes, a, sizeof(a));
	memcpy(new_bytes, b, sizeof(b));
	nonstop_transform_table(old_bytes, new_bytes);
	memcpy(b, new_bytes, sizeof(b));
	for (int i = 0; i < 4; i++) {
		CHECK(b[i].id == 100 + i);
		CHECK(b[i].used == 1);
		CHECK(b[i].prio == 7);
		CHECK(b[i].hits == (unsigned)(3 * i + 1));
		CHECK(b[i].hot == (b[i].hits >= 2));
		CHECK(b[i].level == (unsigned)(15 - i));
		CHECK(!strcmp(b[i].name, a[i].name));
		CHECK(b[i].seen == (long)b[i].hits * 10);
	}
	CHECK(b[0].name[10] == 'z');
	CHECK(b[4].id == 444 && b[5].id == 555);
	/* And back. */
	b[1].hits = 99;
	memcpy(b[2].name, "longer-name", 12);
	memcpy(new_bytes, b, sizeof(b));
	memset(old_bytes, 0xff, sizeof(old_bytes));
	nonstop_untransform_table(new_bytes, old_bytes);
	memcpy(back, old_bytes, sizeof(back));
	for (int i = 0; i < 4; i++) {
		CHECK(back[i].id == 100 + i);
		CHECK(back[i].hits == (i == 1 ? 99u : (unsigned)(3 * i + 1)));
		CHECK(back[i].level == (unsigned)(15 - i));
	}
	CHECK(!strcmp(back[2].name, "longer-"));
	CHECK(!strcmp(back[3].name, a[3].name));
	printf("ok\n");
	return 0;
}
EOF
for cc in gcc clang; do
	command -v $cc >/dev/null || continue
	for o in -O0 -O2; do
		$cc -std=gnu11 $o -Wall -Wextra -Werror -o driver driver.c ||
			fail "the filled transformer does not compile with $cc $o"
		expect_eq ok "$(./driver)" "the filled transformer ($cc $o) moves the table"
	done
done

# Without a changed type, --emit-transformer writes nothing and the build
# goes on.
mkdir other && cd other
build_case global_state
expect_exit 0 "$NONSTOP" build -o fix.nsp --binary v1/prog --emit-transformer xf.c v1 v2
[ ! -e xf.c ] || fail "xf.c written without a changed type"
