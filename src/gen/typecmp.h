/* typecmp.h — two DWARF types compared structurally (typecmp.c): struct and
 * union members by name with their byte and bit offsets, widths and types,
 * recursively through typedefs, qualifiers and arrays with their bounds;
 * enums by their enumerators' values (a new enumerator is no change);
 * pointers by the name of what they point to (what a pointer reaches is
 * not the variable's own data). Sizes alone are not enough: a new field
 * that fits into padding, or a new bit-field, keeps the size but moves
 * other members. */
#ifndef NONSTOP_GEN_TYPECMP_H
#define NONSTOP_GEN_TYPECMP_H

#include <elfutils/libdw.h>

#include "util/strbuf.h"

/* What a comparison found: the first difference, described, and how many. */
struct typecmp {
	struct strbuf owner;  /* innermost named type holding the first
				 difference ("struct item"), "" if none */
	struct strbuf what;   /* how it changed ("field 'b' moved from
				 offset 4 to 8") */
	unsigned      n;      /* differences found */
};

/* Compares types A and B (NULL: void) at PLACE ("" for the compared types
 * themselves, else e.g. "parameter 1 'x'"), adding what differs to C (zero
 * it first). True if they differ. */
int  typecmp(struct typecmp *c, Dwarf_Die *a, Dwarf_Die *b, const char *place);
void typecmp_free(struct typecmp *c);

/* True if types A and B (NULL: void) are the same by these rules. */
int typecmp_same(Dwarf_Die *a, Dwarf_Die *b);

#endif
