/* transformer_body.h — the C of one state transformer, as `build
 * --emit-transformer` writes it (transformer_body.c): the function that
 * fills the new variable from the old one, or for revert the old one from
 * the new one. */
#ifndef NONSTOP_GEN_TRANSFORMER_BODY_H
#define NONSTOP_GEN_TRANSFORMER_BODY_H

#include <elfutils/libdw.h>

#include "gen/ctype.h"
#include "util/strbuf.h"

/* Where a transformer goes and how it spells the types. */
struct transformer_out {
	struct strbuf     *out;          /* the function is appended here */
	struct ctype_defs *dold, *dnew;  /* the types as old_ and new_ */
	unsigned          *ntodo;        /* counts the placeholders written */
};

/* Appends nonstop_transform_ID(old, new) for the variable NAME (its label
 * in placeholders) whose old type is TA and new type TB (NULL: void); with
 * REVERSE, nonstop_untransform_ID(new, old). Both take void pointers and
 * cast them to nonstop_old_ID_t and nonstop_new_ID_t, which the caller
 * defines. */
void transformer_body(const struct transformer_out *t, const char *id,
		      const char *name, Dwarf_Die *ta, Dwarf_Die *tb, int reverse);

#endif
