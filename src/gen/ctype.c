/* ctype.c — C text of DWARF types (ctype.h): C declarators built from the
 * inside out (a pointer prepends '*' to the declarator, an array appends its
 * bounds, parenthesising a pointer declarator, a function its parameters),
 * for a type's name in messages and for declarations under a prefix. The
 * definitions of the types a declaration needs by value are ctype_def.c's;
 * the two share ctype_priv.h. */
#include <dwarf.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gen/ctype.h"
#include "gen/ctype_priv.h"
#include "gen/die.h"

static const char *qual_word(int tag)
{
	switch (tag) {
	case DW_TAG_const_type:    return "const";
	case DW_TAG_volatile_type: return "volatile";
	case DW_TAG_restrict_type: return "restrict";
	default:                   return "_Atomic";
	}
}

/* ---- name sets -------------------------------------------------------------- */

int ctype_names_add(struct ctype_names *s, const char *name)
{
	for (size_t i = 0; i < s->n; i++)
		if (!strcmp(s->v[i], name))
			return 0;
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 32;
		char **v = realloc(s->v, cap * sizeof(*v));

		if (!v) {
			s->oom = 1;
			return -1;
		}
		s->v = v;
		s->cap = cap;
	}
	s->v[s->n] = strdup(name);
	if (!s->v[s->n]) {
		s->oom = 1;
		return -1;
	}
	s->n++;
	return 1;
}

void ctype_names_free(struct ctype_names *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
	memset(s, 0, sizeof(*s));
}

/* ---- declarators -------------------------------------------------------------- */

static int prefixed(const struct pctx *c)
{
	return c->defs && !c->in_ptr;
}

void ctype_indent(struct strbuf *out, int n)
{
	for (int i = 0; i < n; i++)
		sb_puts(out, "\t");
}

const char *ctype_tag_keyword(int tag)
{
	return tag == DW_TAG_union_type ? "union" :
	       tag == DW_TAG_enumeration_type ? "enum" : "struct";
}

/* A tag spelled through a pointer gets a forward declaration, so that its
 * first mention is never inside a parameter list (where C would give it a
 * scope of its own). */
static void forward(struct pctx *c, const char *kw, const char *name)
{
	char key[512];

	if (!c->defs || !c->defs->fwd)
		return;
	snprintf(key, sizeof(key), "fwd %s %s", kw, name);
	if (ctype_names_add(c->defs->done, key) == 1)
		sb_printf(c->defs->fwd, "%s %s;\n", kw, name);
}

static void base_spec(struct strbuf *spec, Dwarf_Die *t)
{
	const char *name = dwarf_diename(t);
	int64_t enc = die_udata(t, DW_AT_encoding), size = die_udata(t, DW_AT_byte_size);

	if (enc == DW_ATE_complex_float)
		sb_puts(spec, size == 8 ? "_Complex float" : size == 16 ? "_Complex double" :
			"_Complex long double");
	else if (enc == DW_ATE_boolean && size == 1)
		sb_puts(spec, "_Bool");
	else
		sb_puts(spec, name ? name : "int");
}

static void tag_spec(struct pctx *c, struct strbuf *spec, Dwarf_Die *t, int depth)
{
	const char *kw = ctype_tag_keyword(dwarf_tag(t)), *name = dwarf_diename(t);

	if (name) {
		if (prefixed(c))
			sb_printf(spec, "%s %s%s", kw, c->defs->prefix, name);
		else {
			sb_printf(spec, "%s %s", kw, name);
			if (c->defs)
				forward(c, kw, name);
		}
	} else if (!c->defs) {
		sb_printf(spec, "%s {...}", kw);
	} else if (c->in_ptr) {
		sb_puts(spec, "void");
	} else {
		sb_printf(spec, "%s ", kw);
		ctype_body(c, spec, t, depth + 1);
	}
}

/* Parameters of a function type, spelled as through a pointer: a function
 * type's parameters are never laid out by this file. */
static void params(struct pctx *c, struct strbuf *inner, Dwarf_Die *t, int depth)
{
	struct pctx pc = *c;
	Dwarf_Die p;
	int n = 0, varargs = 0;

	pc.in_ptr = 1;
	sb_puts(inner, "(");
	if (dwarf_child(t, &p) == 0)
		do {
			Dwarf_Die pt;
			struct strbuf empty = { 0 };

			if (dwarf_tag(&p) == DW_TAG_unspecified_parameters) {
				varargs = 1;
				continue;
			}
			if (dwarf_tag(&p) != DW_TAG_formal_parameter)
				continue;
			if (n++)
				sb_puts(inner, ", ");
			ctype_decl_in(&pc, inner, die_type(&p, &pt) ? NULL : &pt, &empty, depth + 1);
			sb_free(&empty);
		} while (dwarf_siblingof(&p, &p) == 0);
	if (varargs && n)
		sb_puts(inner, ", ...");
	else if (!n && dwarf_hasattr(t, DW_AT_prototyped))
		sb_puts(inner, "void");
	sb_puts(inner, ")");
}

static void wrap_pointer(struct strbuf *inner)
{
	if (inner->len && sb_str(inner)[0] == '*') {
		sb_prepend(inner, "(");
		sb_puts(inner, ")");
	}
}

/* Appends "SPEC INNER" for type T: INNER is the declarator built so far
 * from the outside (the name, with the pointers and bounds around it). */
void ctype_decl_in(struct pctx *c, struct strbuf *out, Dwarf_Die *t,
		   struct strbuf *inner, int depth)
{
	struct strbuf spec = { 0 };
	Dwarf_Die next;
	int tag = t ? dwarf_tag(t) : 0;

	if (depth > DEPTH_MAX) {
		sb_puts(&spec, "void");
		goto done;
	}
	if (t && die_is_qualifier(tag)) {
		Dwarf_Die s;
		int stag;

		if (die_type(t, &next)) {
			sb_printf(&spec, "%s void", qual_word(tag));
			goto done;
		}
		/* Before a plain type specifier: "const int", not "int const". */
		die_strip(&next, &s);
		stag = dwarf_tag(&s);
		if (dwarf_tag(&next) != DW_TAG_typedef && !die_is_qualifier(dwarf_tag(&next)) &&
		    stag != DW_TAG_pointer_type && stag != DW_TAG_array_type &&
		    stag != DW_TAG_subroutine_type) {
			sb_printf(&spec, "%s ", qual_word(tag));
			ctype_decl_in(c, &spec, &next, inner, depth + 1);
			sb_add(out, sb_str(&spec), spec.len);
			sb_free(&spec);
			return;
		}
		sb_prepend(inner, " ");
		sb_prepend(inner, qual_word(tag));
		ctype_decl_in(c, out, &next, inner, depth + 1);
		return;
	}
	switch (tag) {
	case 0:
		sb_puts(&spec, "void");
		break;
	case DW_TAG_base_type:
		base_spec(&spec, t);
		break;
	case DW_TAG_unspecified_type:
		sb_puts(&spec, "void");
		break;
	case DW_TAG_structure_type:
	case DW_TAG_union_type:
	case DW_TAG_class_type:
	case DW_TAG_enumeration_type:
		tag_spec(c, &spec, t, depth);
		break;
	case DW_TAG_typedef:
		if (c->defs && c->in_ptr) {
			/* Through a pointer the program's typedef is not
			 * declared in this file: spell what it stands for. */
			ctype_decl_in(c, out, die_type(t, &next) ? NULL : &next, inner, depth + 1);
			return;
		}
		sb_printf(&spec, "%s%s", prefixed(c) ? c->defs->prefix : "",
			  dwarf_diename(t) ? dwarf_diename(t) : "?");
		break;
	case DW_TAG_pointer_type: {
		struct pctx pc = *c;

		pc.in_ptr = 1;
		sb_prepend(inner, "*");
		ctype_decl_in(&pc, out, die_type(t, &next) ? NULL : &next, inner, depth + 1);
		return;
	}
	case DW_TAG_array_type: {
		int64_t dims[16];
		int n = die_array_dims(t, dims, 16);

		wrap_pointer(inner);
		for (int i = 0; i < n; i++)
			if (dims[i] >= 0)
				sb_printf(inner, "[%" PRId64 "]", dims[i]);
			else
				sb_puts(inner, "[]");
		if (!n)
			sb_puts(inner, "[]");
		ctype_decl_in(c, out, die_type(t, &next) ? NULL : &next, inner, depth + 1);
		return;
	}
	case DW_TAG_subroutine_type: {
		struct pctx pc = *c;

		pc.in_ptr = 1;
		wrap_pointer(inner);
		params(c, inner, t, depth);
		ctype_decl_in(&pc, out, die_type(t, &next) ? NULL : &next, inner, depth + 1);
		return;
	}
	default:
		sb_printf(&spec, "void /* DWARF tag %#x */", (unsigned)tag);
		break;
	}
done:
	sb_add(out, sb_str(&spec), spec.len);
	if (inner->len) {
		const char *in = sb_str(inner);

		if (in[0] != '[' && in[0] != '(')
			sb_puts(out, " ");
		else if (in[0] == '(' && out->len && sb_str(out)[out->len - 1] != ' ')
			sb_puts(out, " ");
		sb_add(out, in, inner->len);
	}
	sb_free(&spec);
}

void ctype_name(struct strbuf *out, Dwarf_Die *t)
{
	struct pctx c = { 0 };
	struct strbuf inner = { 0 };

	ctype_decl_in(&c, out, t, &inner, 0);
	sb_free(&inner);
}

void ctype_decl(struct ctype_defs *defs, struct strbuf *out, Dwarf_Die *t,
		const char *d)
{
	struct pctx c = { .defs = defs };
	struct strbuf inner = { 0 };

	sb_puts(&inner, d);
	ctype_decl_in(&c, out, t, &inner, 0);
	sb_free(&inner);
}
