/* oldrefs.h — what the relocated fields of an old function refer to
 * (oldrefs.c), recorded with the patch's entry for it. */
#ifndef NONSTOP_GEN_OLDREFS_H
#define NONSTOP_GEN_OLDREFS_H

#include "gen/gen.h"

/* The references of function SYM of O (struct ns_ref, patch.h), in field
 * order, malloc'd into *OUT (*N of them; none is NULL). -1 with a message
 * when out of memory. */
int gen_refs_of_sym(struct gen *g, const struct gobj *o, size_t sym,
		    struct ns_ref **out, uint32_t *n);
void gen_refs_free(struct ns_ref *v, uint32_t n);

/* Fills what REPLACE entry E says of the old function SYM of OLD: its
 * size, the ranges its checksum skips (masks.c), what those fields refer
 * to, and the checksum of its bytes in the object (with the masks skipped,
 * the same as in any binary linked from it). -1 with a message. */
int gen_old_code(struct gen *g, const struct gobj *old, size_t sym,
		 struct ns_entry *e);

#endif
