/* masks.c — for a function of an object file, the byte ranges its checksum
 * skips (patch_mask.c explains why): every relocated field, widened over the
 * instruction bytes the linker may rewrite when it relaxes the relocation.
 * Used for the old functions a patch replaces (their masks go into the
 * patch) and, with --new-binary, for the new code of the patch itself. */
#include <stdlib.h>

#include "gen/gen.h"

/* One relocation at OFF (in function WHAT of object OBJ, NULL for the
 * patch's own code) of TYPE into L. */
static int add_one(struct gen *g, struct ns_mask_list *l, const char *obj,
		   const char *what, int64_t off, uint32_t type)
{
	unsigned before, width;

	if (ns_mask_of_reloc(type, &before, &width))
		return gen_fail(g, "refusing: %s%s%s+%#lx: relocation type %u, which "
				"nonstop cannot check in a running process",
				obj ? obj : "", obj ? ": " : "", what,
				(unsigned long)off, type);
	if (ns_mask_add(l, off, before, width))
		return gen_fail(g, "out of memory");
	return 0;
}

int gen_masks_of_sym(struct gen *g, const struct gobj *o, size_t sym,
		     struct ns_mask **out, uint32_t *n)
{
	const struct gsym *s = &o->syms[sym];
	const struct gsec *sec;
	struct ns_mask_list l = { .size = s->s.st_size };
	uint64_t lo = s->s.st_value, hi = lo + s->s.st_size;

	*out = NULL;
	*n = 0;
	if (s->s.st_shndx == SHN_UNDEF || s->s.st_shndx >= o->nsecs)
		return 0;
	sec = &o->secs[s->s.st_shndx];
	for (size_t r = 0; r < sec->nrels; r++) {
		uint64_t off = sec->rels[r].r_offset;

		/* Another function of the section (no instruction straddles
		 * the boundary; ns_mask_add clips anyway). */
		if (off < lo || off >= hi)
			continue;
		if (add_one(g, &l, o->rel, s->name, (int64_t)(off - lo),
			    (uint32_t)GELF_R_TYPE(sec->rels[r].r_info))) {
			free(l.v);
			return -1;
		}
	}
	ns_mask_finish(&l);
	*out = l.v;
	*n = l.n;
	return 0;
}

int gen_masks_of_patch_sym(struct gen *g, const struct ns_patch *p, uint32_t sym,
			   struct ns_mask_list *l)
{
	const struct ns_sym *s = &p->syms[sym];
	const struct ns_section *sec = &p->sections[s->section];

	l->size = s->size;
	for (size_t r = 0; r < sec->nrelocs; r++) {
		uint64_t off = sec->relocs[r].offset;

		if (off < s->value || off >= s->value + s->size)
			continue;
		if (add_one(g, l, NULL, s->name, (int64_t)(off - s->value),
			    sec->relocs[r].type))
			return -1;
	}
	ns_mask_finish(l);
	return 0;
}
