/* heaplayout.c — a warning for the change of data nonstop cannot check: a
 * named struct or union whose layout changed between the two builds of an
 * object whose code the patch replaces, when no variable of the object
 * changed its type (types.c refuses those, and says why) and no state
 * transformer of the object moves data (xform.h).
 *
 * Why a warning and not a refusal: objects of such a type live where the
 * variables' types do not say — in the heap, behind pointers — and nonstop
 * cannot tell whether the process holds any (a struct used only for a
 * message being built is harmless), nor whether the new code reads them.
 * When it does, it reads live objects with the new layout: a bit-field
 * moved by one bit reads as another value, without an error
 * (docs/data-shapes.md works the case through, and how to write such a
 * fix). The build says so, naming the type and the first difference. */
#include <dwarf.h>
#include <stdlib.h>
#include <string.h>

#include "gen/dwobj.h"
#include "gen/heaplayout.h"
#include "gen/typecmp.h"
#include "gen/types.h"

/* The name of a top-level struct or union DIE D ("struct job"), or of the
 * typedef of an anonymous one, into BUF; 0, or -1 if it has none or is
 * only declared. *TYPE gets the struct or union. */
static int type_name(Dwarf_Die *d, char *buf, size_t len, Dwarf_Die *type)
{
	int tag = dwarf_tag(d);
	const char *n = dwarf_diename(d);
	Dwarf_Attribute at;

	if (!n)
		return -1;
	if (tag == DW_TAG_typedef) {
		if (!dwarf_attr(d, DW_AT_type, &at) || !dwarf_formref_die(&at, type) ||
		    dwarf_diename(type))
			return -1;
		tag = dwarf_tag(type);
		if (tag != DW_TAG_structure_type && tag != DW_TAG_union_type)
			return -1;
		snprintf(buf, len, "%s", n);
	} else if (tag == DW_TAG_structure_type || tag == DW_TAG_union_type) {
		*type = *d;
		snprintf(buf, len, "%s %s", tag == DW_TAG_union_type ? "union" : "struct", n);
	} else {
		return -1;
	}
	return dwarf_hasattr(type, DW_AT_declaration) ? -1 : 0;
}

/* The top-level type named NAME in D, into *OUT: 0, or -1. */
static int find_type(struct dwobj *d, const char *name, Dwarf_Die *out)
{
	Dwarf_Addr bias;
	Dwarf *dw = dwfl_module_getdwarf(dwobj_module(d), &bias);
	Dwarf_Off off = 0, next;
	size_t hsize;
	char buf[300];

	while (dw && dwarf_nextcu(dw, off, &next, &hsize, NULL, NULL, NULL) == 0) {
		Dwarf_Die cu, c;

		if (dwarf_offdie(dw, off + hsize, &cu) && dwarf_child(&cu, &c) == 0)
			do {
				if (!type_name(&c, buf, sizeof(buf), out) && !strcmp(buf, name))
					return 0;
			} while (dwarf_siblingof(&c, &c) == 0);
		off = next;
	}
	return -1;
}

/* Whether the pair replaces code, and none of its variables changed its
 * type (refused: types.c says why) or is moved by a transformer. */
static int concerns(const struct gen_pair *pr)
{
	int replaces = 0;

	for (size_t i = 1; i < pr->new->nsyms; i++) {
		if (pr->var && pr->var[i] != GEN_VAR_SAME)
			return 0;  /* refused, or moved by a transformer */
		replaces |= pr->decision[i] == GEN_REPLACE || pr->decision[i] == GEN_NEW_FUNC;
	}
	return replaces;
}

/* Warns about type NAME (DIE T of the new object) if it changed in OLD. */
static void check_type(struct gen *g, const struct gen_pair *pr, struct dwobj *old,
		       const char *name, Dwarf_Die *t)
{
	struct typecmp c = { 0 };
	Dwarf_Die o;

	if (find_type(old, name, &o) || !typecmp(&c, &o, t, ""))
		goto out;
	/* A variable has it (refused or transformed), or a member's own
	 * type changed (its own warning says so), or said already. */
	if (gen_types_changed(g, name) ||
	    (*sb_str(&c.owner) && strcmp(sb_str(&c.owner), name)) ||
	    !gen_types_first_warning(g, name))
		goto out;
	gen_warn(g, "type '%s' changed its layout in %s: %s; live objects of it that "
		 "no variable holds (in the heap, behind pointers) are not checked: "
		 "code of the patch that reads them reads the new layout "
		 "(docs/data-shapes.md)", name, gobj_source(pr->new), sb_str(&c.what));
out:
	typecmp_free(&c);
}

void gen_heaplayout_check(struct gen *g, const struct gen_pair *pr)
{
	struct dwobj *dold, *dnew;
	Dwarf_Addr bias;
	Dwarf *dw;
	Dwarf_Off off = 0, next;
	size_t hsize;
	char name[300];

	if (!pr->old || !concerns(pr))
		return;
	dold = dwobj_open(pr->old->path);
	dnew = dold ? dwobj_open(pr->new->path) : NULL;
	dw = dnew ? dwfl_module_getdwarf(dwobj_module(dnew), &bias) : NULL;
	while (dw && dwarf_nextcu(dw, off, &next, &hsize, NULL, NULL, NULL) == 0) {
		Dwarf_Die cu, c, t;

		if (dwarf_offdie(dw, off + hsize, &cu) && dwarf_child(&cu, &c) == 0)
			do {
				if (!type_name(&c, name, sizeof(name), &t))
					check_type(g, pr, dold, name, &t);
			} while (dwarf_siblingof(&c, &c) == 0);
		off = next;
	}
	dwobj_close(dold);
	dwobj_close(dnew);
}
