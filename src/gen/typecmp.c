/* typecmp.c — two DWARF types compared structurally (typecmp.h), walking
 * both together and keeping the first difference, described for a human:
 * the innermost named type holding it ("struct item"), the member and how
 * it changed ("field 'b' moved from offset 4 to 8"), and how many more
 * differences there are. */
#include <dwarf.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gen/ctype.h"
#include "gen/die.h"
#include "gen/typecmp.h"

#define DEPTH_MAX 48

static void found(struct typecmp *c, const char *owner, const char *place,
		  const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static void found(struct typecmp *c, const char *owner, const char *place,
		  const char *fmt, ...)
{
	char tmp[768];
	va_list ap;

	if (c->n++)
		return;
	va_start(ap, fmt);
	vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	sb_puts(&c->owner, owner);
	if (*place)
		sb_printf(&c->what, "%s %s", place, tmp);
	else
		sb_puts(&c->what, tmp);
}

void typecmp_free(struct typecmp *c)
{
	sb_free(&c->owner);
	sb_free(&c->what);
}

static const char *nn(const char *s)
{
	return s ? s : "";
}

static int same_str(const char *a, const char *b)
{
	return !strcmp(nn(a), nn(b));
}

/* "changed type from 'A' to 'B'". */
static void changed_type(struct typecmp *c, const char *owner, const char *place,
			 Dwarf_Die *a, Dwarf_Die *b)
{
	struct strbuf na = { 0 }, nb = { 0 };

	ctype_name(&na, a);
	ctype_name(&nb, b);
	found(c, owner, place, "changed type from '%s' to '%s'", sb_str(&na), sb_str(&nb));
	sb_free(&na);
	sb_free(&nb);
}

/* A and B compared by their C names alone. */
static void cmp_by_name(struct typecmp *c, const char *owner, const char *place,
			Dwarf_Die *a, Dwarf_Die *b)
{
	struct strbuf na = { 0 }, nb = { 0 };

	ctype_name(&na, a);
	ctype_name(&nb, b);
	if (strcmp(sb_str(&na), sb_str(&nb)))
		found(c, owner, place, "changed type from '%s' to '%s'", sb_str(&na),
		      sb_str(&nb));
	sb_free(&na);
	sb_free(&nb);
}

static int cmp(struct typecmp *c, Dwarf_Die *a, Dwarf_Die *b, const char *owner,
	       const char *place, int depth);

/* The members of struct/union T, in order. */
struct mlist {
	Dwarf_Die *m;
	size_t     n;
};

static int members(Dwarf_Die *t, struct mlist *l)
{
	Dwarf_Die c;
	size_t cap = 0;

	l->m = NULL;
	l->n = 0;
	if (dwarf_child(t, &c) != 0)
		return 0;
	do {
		if (dwarf_tag(&c) != DW_TAG_member)
			continue;
		if (l->n == cap) {
			Dwarf_Die *v;

			cap = cap ? cap * 2 : 16;
			v = realloc(l->m, cap * sizeof(*v));
			if (!v) {
				free(l->m);
				return -1;
			}
			l->m = v;
		}
		l->m[l->n++] = c;
	} while (dwarf_siblingof(&c, &c) == 0);
	return 0;
}

/* The member of L matching member M of the other side: same name, or for
 * an anonymous member the one with the same rank among anonymous ones. */
static long match_member(struct mlist *l, Dwarf_Die *m, struct mlist *ml, size_t mi)
{
	const char *name = dwarf_diename(m);
	size_t rank = 0, r = 0;

	if (name) {
		for (size_t i = 0; i < l->n; i++)
			if (same_str(dwarf_diename(&l->m[i]), name))
				return (long)i;
		return -1;
	}
	for (size_t i = 0; i < mi; i++)
		if (!dwarf_diename(&ml->m[i]))
			rank++;
	for (size_t i = 0; i < l->n; i++)
		if (!dwarf_diename(&l->m[i]) && r++ == rank)
			return (long)i;
	return -1;
}

static void member_place(char *buf, size_t len, Dwarf_Die *m)
{
	const char *n = dwarf_diename(m);

	if (n)
		snprintf(buf, len, "field '%s'", n);
	else
		snprintf(buf, len, "an anonymous %s member",
			 dwarf_tag(m) == DW_TAG_union_type ? "union" : "struct");
}

/* "offset 4 to 8" or, for bit-fields, "bit 3 to 4". */
static void moved(char *buf, size_t len, uint64_t from, uint64_t fbits, uint64_t to,
		  uint64_t tbits)
{
	if (!fbits && !tbits && from % 8 == 0 && to % 8 == 0)
		snprintf(buf, len, "offset %" PRIu64 " to %" PRIu64, from / 8, to / 8);
	else
		snprintf(buf, len, "bit %" PRIu64 " to %" PRIu64, from, to);
}

static void where_bits(char *buf, size_t len, uint64_t off, uint64_t bits)
{
	if (!bits && off % 8 == 0)
		snprintf(buf, len, "offset %" PRIu64, off / 8);
	else
		snprintf(buf, len, "bit %" PRIu64, off);
}

static void cmp_members(struct typecmp *c, Dwarf_Die *a, Dwarf_Die *b,
			const char *owner, int depth)
{
	struct mlist la, lb;

	if (members(a, &la))
		return;
	if (members(b, &lb)) {
		free(la.m);
		return;
	}
	for (size_t i = 0; i < la.n; i++) {
		Dwarf_Die *ma = &la.m[i], ta, tb;
		long j = match_member(&lb, ma, &la, i);
		uint64_t oa = 0, sa = 0, ob = 0, sb = 0;
		char place[300], wa[96];

		member_place(place, sizeof(place), ma);
		if (j < 0) {
			found(c, owner, place, "was removed");
			continue;
		}
		die_member_bits(ma, &oa, &sa);
		die_member_bits(&lb.m[j], &ob, &sb);
		if (oa != ob) {
			moved(wa, sizeof(wa), oa, sa, ob, sb);
			found(c, owner, place, "moved from %s", wa);
		}
		if (sa != sb)
			found(c, owner, place, "changed width from %" PRIu64 " to %" PRIu64 " bits",
			      sa, sb);
		cmp(c, die_type(ma, &ta) ? NULL : &ta,
		    die_type(&lb.m[j], &tb) ? NULL : &tb, owner, place, depth + 1);
	}
	for (size_t j = 0; j < lb.n; j++) {
		Dwarf_Die tb;
		uint64_t ob = 0, sb = 0;
		char place[300], wb[64];
		struct strbuf tn = { 0 };

		if (match_member(&la, &lb.m[j], &lb, j) >= 0)
			continue;
		member_place(place, sizeof(place), &lb.m[j]);
		die_member_bits(&lb.m[j], &ob, &sb);
		where_bits(wb, sizeof(wb), ob, sb);
		ctype_name(&tn, die_type(&lb.m[j], &tb) ? NULL : &tb);
		found(c, owner, "", "new %s (%s%s) at %s", place, sb_str(&tn),
		      sb ? " bit-field" : "", wb);
		sb_free(&tn);
	}
	free(la.m);
	free(lb.m);
}

static void cmp_enum(struct typecmp *c, Dwarf_Die *a, Dwarf_Die *b, const char *owner)
{
	Dwarf_Die ea, eb;

	if (dwarf_child(a, &ea) != 0)
		return;
	/* A new enumerator leaves the live values valid; a changed value
	 * changes what they mean. */
	do {
		Dwarf_Attribute x, y;
		Dwarf_Sword va, vb;

		if (dwarf_tag(&ea) != DW_TAG_enumerator || dwarf_child(b, &eb) != 0)
			continue;
		do {
			char place[300];

			if (dwarf_tag(&eb) != DW_TAG_enumerator ||
			    !same_str(dwarf_diename(&ea), dwarf_diename(&eb)))
				continue;
			if (!dwarf_attr(&ea, DW_AT_const_value, &x) ||
			    !dwarf_attr(&eb, DW_AT_const_value, &y) ||
			    dwarf_formsdata(&x, &va) || dwarf_formsdata(&y, &vb) || va == vb)
				break;
			snprintf(place, sizeof(place), "enumerator '%s'", nn(dwarf_diename(&ea)));
			found(c, owner, place, "changed value from %" PRId64 " to %" PRId64,
			      (int64_t)va, (int64_t)vb);
			break;
		} while (dwarf_siblingof(&eb, &eb) == 0);
	} while (dwarf_siblingof(&ea, &ea) == 0);
}

/* Compares types A and B (NULL: void) at PLACE ("" for the compared type
 * itself, else "field 'x'"), inside the named type OWNER ("" if none). */
static int cmp(struct typecmp *c, Dwarf_Die *a, Dwarf_Die *b, const char *owner,
	       const char *place, int depth)
{
	unsigned before = c->n;
	int ta = a ? dwarf_tag(a) : 0, tb = b ? dwarf_tag(b) : 0;
	Dwarf_Die na, nb;
	char own[300];

	if (depth > DEPTH_MAX || (!a && !b))
		return 0;
	if (!a || !b || ta != tb) {
		changed_type(c, owner, place, a, b);
		return 1;
	}
	switch (ta) {
	case DW_TAG_base_type:
		if (!same_str(dwarf_diename(a), dwarf_diename(b)) ||
		    die_udata(a, DW_AT_byte_size) != die_udata(b, DW_AT_byte_size) ||
		    die_udata(a, DW_AT_encoding) != die_udata(b, DW_AT_encoding))
			changed_type(c, owner, place, a, b);
		break;
	case DW_TAG_pointer_type:
		/* By the name of what it points to: the objects a pointer
		 * reaches are not this variable's. */
		cmp_by_name(c, owner, place, a, b);
		break;
	case DW_TAG_const_type:
	case DW_TAG_volatile_type:
	case DW_TAG_restrict_type:
	case DW_TAG_atomic_type:
		cmp(c, die_type(a, &na) ? NULL : &na, die_type(b, &nb) ? NULL : &nb,
		    owner, place, depth + 1);
		break;
	case DW_TAG_typedef:
		if (!same_str(dwarf_diename(a), dwarf_diename(b))) {
			changed_type(c, owner, place, a, b);
			break;
		}
		cmp(c, die_type(a, &na) ? NULL : &na, die_type(b, &nb) ? NULL : &nb,
		    nn(dwarf_diename(a)), place, depth + 1);
		break;
	case DW_TAG_array_type: {
		int64_t da[16], db[16];
		int n = die_array_dims(a, da, 16), m = die_array_dims(b, db, 16);

		/* The element type too: its changes are counted. */
		if (n != m || memcmp(da, db, (size_t)n * sizeof(*da)))
			changed_type(c, owner, place, a, b);
		cmp(c, die_type(a, &na) ? NULL : &na, die_type(b, &nb) ? NULL : &nb,
		    owner, place, depth + 1);
		break;
	}
	case DW_TAG_enumeration_type:
	case DW_TAG_structure_type:
	case DW_TAG_union_type:
	case DW_TAG_class_type: {
		const char *name = dwarf_diename(a);
		int64_t sa = die_udata(a, DW_AT_byte_size), sb = die_udata(b, DW_AT_byte_size);

		if (!same_str(name, dwarf_diename(b))) {
			changed_type(c, owner, place, a, b);
			break;
		}
		/* Incomplete on one side: all one can compare is the name. */
		if (dwarf_hasattr(a, DW_AT_declaration) || dwarf_hasattr(b, DW_AT_declaration))
			break;
		if (name) {
			snprintf(own, sizeof(own), "%s %s",
				 ta == DW_TAG_union_type ? "union" :
				 ta == DW_TAG_enumeration_type ? "enum" : "struct", name);
			owner = own;
		}
		if (ta == DW_TAG_enumeration_type)
			cmp_enum(c, a, b, owner);
		else
			cmp_members(c, a, b, owner, depth);
		if (sa != sb)
			found(c, owner, "", "its size changed from %" PRId64 " to %" PRId64 " bytes",
			      sa, sb);
		break;
	}
	default:
		/* Function types (behind a typedef) and the rest: by name. */
		cmp_by_name(c, owner, place, a, b);
		break;
	}
	return c->n != before;
}

int typecmp(struct typecmp *c, Dwarf_Die *a, Dwarf_Die *b, const char *place)
{
	return cmp(c, a, b, "", place, 0);
}

int typecmp_same(Dwarf_Die *a, Dwarf_Die *b)
{
	struct typecmp c = { 0 };
	int diff = typecmp(&c, a, b, "");

	typecmp_free(&c);
	return !diff;
}
