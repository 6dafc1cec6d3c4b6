/* ctype_def.c — types written out again as C under a prefix (ctype.h's
 * ctype_define): the definitions of the structs, unions, enums and typedefs
 * a type needs by value, each once and in an order C accepts, with the
 * layout the DWARF gives: padding members where the natural layout would
 * leave a member earlier, __attribute__((packed)) where a member sits below
 * its natural alignment, and _Static_asserts of every size and offset so
 * that a layout this file cannot reproduce fails to compile instead of
 * being silently wrong. The declarators are ctype.c's. */
#include <dwarf.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "gen/ctype.h"
#include "gen/ctype_priv.h"
#include "gen/die.h"

/* ---- layout ------------------------------------------------------------------- */

static int needs_packed(Dwarf_Die *t, int depth);

/* The natural alignment of type T on x86-64 (System V). */
static uint64_t calign(Dwarf_Die *t, int depth)
{
	Dwarf_Die next, m;
	int64_t a = die_udata(t, DW_AT_alignment), size;
	uint64_t max = 1;

	if (a > 0)
		return (uint64_t)a;
	if (depth > DEPTH_MAX)
		return 1;
	switch (dwarf_tag(t)) {
	case DW_TAG_base_type:
	case DW_TAG_enumeration_type:
		size = die_udata(t, DW_AT_byte_size);
		if (die_udata(t, DW_AT_encoding) == DW_ATE_complex_float)
			size /= 2;
		return size >= 16 ? 16 : size > 0 ? (uint64_t)size : 1;
	case DW_TAG_pointer_type:
		return 8;
	case DW_TAG_structure_type:
	case DW_TAG_union_type:
	case DW_TAG_class_type:
		if (needs_packed(t, depth + 1))
			return 1;
		if (dwarf_child(t, &m) == 0)
			do {
				uint64_t ma;

				if (dwarf_tag(&m) != DW_TAG_member || die_type(&m, &next))
					continue;
				ma = die_udata(&m, DW_AT_alignment) > 0 ?
					(uint64_t)die_udata(&m, DW_AT_alignment) : calign(&next, depth + 1);
				if (ma > max)
					max = ma;
			} while (dwarf_siblingof(&m, &m) == 0);
		return max;
	case DW_TAG_array_type:
	case DW_TAG_typedef:
	case DW_TAG_const_type:
	case DW_TAG_volatile_type:
	case DW_TAG_restrict_type:
	case DW_TAG_atomic_type:
		return die_type(t, &next) ? 1 : calign(&next, depth + 1);
	default:
		return 1;
	}
}

static uint64_t align_up(uint64_t v, uint64_t a)
{
	return a ? (v + a - 1) / a * a : v;
}

/* A struct whose DWARF layout puts a member below its natural alignment,
 * or whose size is not a multiple of its members' alignment, was packed. */
static int needs_packed(Dwarf_Die *t, int depth)
{
	Dwarf_Die m, mt;
	uint64_t max = 1;
	int64_t size = die_udata(t, DW_AT_byte_size);

	if (depth > DEPTH_MAX || dwarf_child(t, &m) != 0)
		return 0;
	do {
		uint64_t off, bs, a;

		if (dwarf_tag(&m) != DW_TAG_member || die_type(&m, &mt) ||
		    die_member_bits(&m, &off, &bs))
			continue;
		a = die_udata(&m, DW_AT_alignment) > 0 ? (uint64_t)die_udata(&m, DW_AT_alignment) :
			calign(&mt, depth + 1);
		if (!bs && (off % 8 || (off / 8) % a))
			return 1;
		if (a > max)
			max = a;
	} while (dwarf_siblingof(&m, &m) == 0);
	return die_udata(t, DW_AT_alignment) <= 0 && size > 0 && (uint64_t)size % max;
}

/* ---- definitions -------------------------------------------------------------- */

static void member_decl(struct pctx *c, struct strbuf *out, Dwarf_Die *m,
			uint64_t bit_size, int depth)
{
	Dwarf_Die mt, *tp = NULL;
	int64_t a = die_udata(m, DW_AT_alignment);
	const char *name = dwarf_diename(m);

	if (die_type(m, &mt) == 0) {
		/* Top-level qualifiers go: the transformer assigns every field,
		 * and const or volatile does not change where it is. */
		while (die_is_qualifier(dwarf_tag(&mt)) && die_type(&mt, &mt) == 0)
			;
		tp = die_is_qualifier(dwarf_tag(&mt)) ? NULL : &mt;
	}
	if (a > 0)
		sb_printf(out, "_Alignas(%" PRId64 ") ", a);
	{
		struct strbuf inner = { 0 };

		sb_puts(&inner, name ? name : "");
		ctype_decl_in(c, out, tp, &inner, depth + 1);
		sb_free(&inner);
	}
	if (bit_size)
		sb_printf(out, " : %" PRIu64, bit_size);
	sb_puts(out, ";\n");
}

/* Padding before a member at bit OFF when the natural layout, at bit POS,
 * would put it earlier: a char array before a whole member, an unnamed
 * bit-field (or ": 0") before a bit-field of TYPE. */
static void pad(struct pctx *c, struct strbuf *out, Dwarf_Die *type, uint64_t pos,
		uint64_t off, uint64_t bit_size, uint64_t a, unsigned *npad, int depth)
{
	if (!bit_size) {
		uint64_t p = align_up(pos, 8) / 8, o = off / 8;

		if (o > align_up(p, a)) {
			ctype_indent(out, c->indent + 1);
			sb_printf(out, "char nonstop__pad%u[%" PRIu64 "];\n", (*npad)++, o - p);
		}
		return;
	}
	{
		int64_t s = die_size(type);
		uint64_t unit = s > 0 ? (uint64_t)s * 8 : 32, nat = pos;
		struct strbuf tn = { 0 }, inner = { 0 };

		if (nat / unit != (nat + bit_size - 1) / unit)
			nat = align_up(nat, unit);
		if (off <= nat)
			return;
		ctype_decl_in(c, &tn, type, &inner, depth + 1);
		ctype_indent(out, c->indent + 1);
		if (align_up(pos, unit) == off)
			sb_printf(out, "%s : 0;\n", sb_str(&tn));
		else
			sb_printf(out, "%s : %" PRIu64 ";\n", sb_str(&tn), off - pos);
		sb_free(&tn);
		sb_free(&inner);
	}
}

/* "{ members }" of struct/union T, or "{ enumerators }" of enum T, at
 * c->indent, with its attributes. */
void ctype_body(struct pctx *c, struct strbuf *out, Dwarf_Die *t, int depth)
{
	struct pctx mc = *c;
	Dwarf_Die m, mt;
	int tag = dwarf_tag(t), is_union = tag == DW_TAG_union_type;
	int64_t size = die_udata(t, DW_AT_byte_size), align = die_udata(t, DW_AT_alignment);
	uint64_t pos = 0;   /* bits: end of the members so far, naturally laid out */
	unsigned npad = 0;

	sb_puts(out, "{\n");
	mc.indent++;
	if (tag == DW_TAG_enumeration_type) {
		if (dwarf_child(t, &m) == 0)
			do {
				Dwarf_Attribute at;
				Dwarf_Sword sv;
				Dwarf_Word uv;

				if (dwarf_tag(&m) != DW_TAG_enumerator ||
				    !dwarf_attr(&m, DW_AT_const_value, &at))
					continue;
				ctype_indent(out, mc.indent);
				sb_printf(out, "%s%s = ", c->defs->prefix,
					  dwarf_diename(&m) ? dwarf_diename(&m) : "?");
				if (dwarf_formsdata(&at, &sv) == 0 && sv >= INT32_MIN && sv <= INT32_MAX)
					sb_printf(out, "%" PRId64 ",\n", (int64_t)sv);
				else if (dwarf_formudata(&at, &uv) == 0)
					sb_printf(out, "%" PRIu64 "ULL,\n", (uint64_t)uv);
				else
					sb_puts(out, "0,\n");
			} while (dwarf_siblingof(&m, &m) == 0);
		ctype_indent(out, c->indent);
		sb_puts(out, "}");
		return;
	}
	if (dwarf_child(t, &m) == 0)
		do {
			uint64_t off, bs, a;
			int64_t ms;

			if (dwarf_tag(&m) != DW_TAG_member || die_type(&m, &mt))
				continue;
			if (die_member_bits(&m, &off, &bs))
				off = pos, bs = 0;
			a = die_udata(&m, DW_AT_alignment) > 0 ?
				(uint64_t)die_udata(&m, DW_AT_alignment) : calign(&mt, depth + 1);
			if (!is_union)
				pad(&mc, out, &mt, pos, off, bs, needs_packed(t, depth + 1) ? 1 : a,
				    &npad, depth);
			ctype_indent(out, mc.indent);
			member_decl(&mc, out, &m, bs, depth);
			ms = die_size(&mt);
			if (bs)
				off += bs;
			else if (ms > 0)
				off += (uint64_t)ms * 8;
			if (is_union) {
				if (off > pos)
					pos = off;
			} else {
				pos = off;
			}
		} while (dwarf_siblingof(&m, &m) == 0);
	if (size > 0 && align_up(pos, 8) / 8 < (uint64_t)size &&
	    align_up(align_up(pos, 8) / 8, calign(t, depth + 1)) < (uint64_t)size) {
		ctype_indent(out, mc.indent);
		sb_printf(out, "char nonstop__pad%u[%" PRIu64 "];\n", npad++,
			  (uint64_t)size - align_up(pos, 8) / 8);
	}
	ctype_indent(out, c->indent);
	sb_puts(out, "}");
	if (needs_packed(t, depth + 1))
		sb_puts(out, " __attribute__((packed))");
	if (align > 0)
		sb_printf(out, " __attribute__((aligned(%" PRId64 ")))", align);
}

static void define(struct pctx *c, Dwarf_Die *t, int depth);

static void define_members(struct pctx *c, Dwarf_Die *t, int depth)
{
	Dwarf_Die m, mt;

	if (dwarf_child(t, &m) != 0)
		return;
	do {
		if (dwarf_tag(&m) == DW_TAG_member && die_type(&m, &mt) == 0)
			define(c, &mt, depth + 1);
	} while (dwarf_siblingof(&m, &m) == 0);
}

/* _Static_asserts of the size of TYPE_NAME and of the offsets of the named
 * whole (not bit-field) members of struct T. */
static void layout_asserts(struct strbuf *out, const char *type_name, Dwarf_Die *t,
			   const char *orig)
{
	int64_t size = die_size(t);
	Dwarf_Die m;

	if (size >= 0)
		sb_printf(out, "_Static_assert(sizeof(%s) == %" PRId64 ", \"layout of %s\");\n",
			  type_name, size, orig);
	if (dwarf_tag(t) != DW_TAG_structure_type || dwarf_child(t, &m) != 0)
		return;
	do {
		uint64_t off, bs;
		const char *n = dwarf_diename(&m);

		if (dwarf_tag(&m) != DW_TAG_member || !n || die_member_bits(&m, &off, &bs) ||
		    bs || off % 8)
			continue;
		sb_printf(out, "_Static_assert(__builtin_offsetof(%s, %s) == %" PRIu64
			  ", \"layout of %s\");\n", type_name, n, off / 8, orig);
	} while (dwarf_siblingof(&m, &m) == 0);
}

static void define(struct pctx *c, Dwarf_Die *t, int depth)
{
	struct ctype_defs *d = c->defs;
	Dwarf_Die next, s;
	const char *name;
	char key[512], orig[512];
	int tag;

	if (!t || depth > DEPTH_MAX)
		return;
	tag = dwarf_tag(t);
	name = dwarf_diename(t);
	switch (tag) {
	case DW_TAG_array_type:
	case DW_TAG_const_type:
	case DW_TAG_volatile_type:
	case DW_TAG_restrict_type:
	case DW_TAG_atomic_type:
		if (die_type(t, &next) == 0)
			define(c, &next, depth + 1);
		return;
	case DW_TAG_typedef:
		snprintf(key, sizeof(key), "%s%s", d->prefix, name ? name : "?");
		if (ctype_names_add(d->done, key) != 1)
			return;
		if (die_type(t, &next) == 0)
			define(c, &next, depth + 1);
		sb_puts(d->out, "typedef ");
		{
			struct strbuf inner = { 0 };

			sb_puts(&inner, key);
			ctype_decl_in(c, d->out, die_type(t, &next) ? NULL : &next, &inner, depth + 1);
			sb_free(&inner);
		}
		sb_puts(d->out, ";\n");
		if (die_type(t, &next) == 0) {
			die_strip(&next, &s);
			snprintf(orig, sizeof(orig), "%s", name ? name : "?");
			if (die_is_aggregate(dwarf_tag(&s)) && !dwarf_hasattr(&s, DW_AT_declaration))
				layout_asserts(d->out, key, &s, orig);
		}
		sb_puts(d->out, "\n");
		return;
	case DW_TAG_structure_type:
	case DW_TAG_union_type:
	case DW_TAG_class_type:
	case DW_TAG_enumeration_type:
		if (dwarf_hasattr(t, DW_AT_declaration))
			return;  /* incomplete: only usable through pointers */
		if (!name) {
			/* Written inline where it is used; what it holds by
			 * value is defined before. */
			if (tag != DW_TAG_enumeration_type)
				define_members(c, t, depth);
			return;
		}
		snprintf(key, sizeof(key), "%s %s%s", ctype_tag_keyword(tag), d->prefix, name);
		if (ctype_names_add(d->done, key) != 1)
			return;
		if (tag != DW_TAG_enumeration_type)
			define_members(c, t, depth);
		sb_printf(d->out, "%s ", key);
		ctype_body(c, d->out, t, depth);
		sb_puts(d->out, ";\n");
		snprintf(orig, sizeof(orig), "%s %s", ctype_tag_keyword(tag), name);
		if (tag != DW_TAG_enumeration_type)
			layout_asserts(d->out, key, t, orig);
		sb_puts(d->out, "\n");
		return;
	default:
		return;  /* base types, pointers, functions: nothing to define */
	}
}

void ctype_define(struct ctype_defs *defs, Dwarf_Die *t)
{
	struct pctx c = { .defs = defs };

	define(&c, t, 0);
}
