/* users.h — the code of an object that refers to one of its symbols
 * (users.c): what a relocation points at, and making the patch carry every
 * function that uses a symbol the patch brings anew (a function whose
 * signature changed, sigchange.h; a read-only table whose contents
 * changed, decide.c). */
#ifndef NONSTOP_GEN_USERS_H
#define NONSTOP_GEN_USERS_H

#include "gen/gen.h"
#include "patch/patch_format.h"

/* The place relocation R designates, as an offset from its symbol: the
 * addend, plus 4 for a PC-relative field (whose addend counts from the end
 * of a field that ends its instruction). */
static inline int64_t gen_reloc_place(const GElf_Rela *r)
{
	return r->r_addend + (ns_reloc_is_pcrel((uint32_t)GELF_R_TYPE(r->r_info)) ? 4 : 0);
}

/* True if relocation R of O refers to a byte of symbol SYM: by the symbol
 * itself, or by its section's symbol plus an offset inside it (GNU as
 * turns references to local symbols into those). */
int gen_refers_to(const struct gobj *o, const GElf_Rela *r, size_t sym);

/* Sections whose references are bookkeeping, not pointers the program can
 * follow: unwind tables, the patchable-entry list, nonstop's own records,
 * what is not loaded. */
int gen_is_bookkeeping(const struct gsec *s);

/* The function a piece of code at symbol K of O belongs to: K, or the
 * parent of a ".cold" piece (-1 if not found, or K < 0). */
long gen_code_owner(const struct gobj *o, long k);

/* Every function of PR's new object whose code refers to new symbol SYM
 * (other than SYM itself) is carried: one the patch would keep is
 * replaced (reason "reference changed"), so that it uses the patch's SYM.
 * VERB ("calls", "reads") and WHAT ("signature changed") word the -v note;
 * CHANGE the refusal (-1) when code refers to SYM from a section whose
 * function nonstop cannot tell. */
int gen_carry_users(struct gen *g, struct gen_pair *pr, size_t sym, const char *verb,
		    const char *what, const char *change);

#endif
