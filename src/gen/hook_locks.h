/* hook_locks.h — what a hook's code may lock (hook_locks.c), from the
 * calls it makes down to the C library, whose functions' locks
 * libc_locks.c knows. */
#ifndef NONSTOP_GEN_HOOK_LOCKS_H
#define NONSTOP_GEN_HOOK_LOCKS_H
#include <stdbool.h>
#include <stdint.h>

#include "gen/gen.h"

/* What function SYM of the new object O (a hook's) may lock (NS_LOCK_*)
 * into *LOCKS, and why into *WHY (malloc'd; NULL if it takes none: see
 * ns_patch.hook_why). The other objects of the new build (g->new_files)
 * are read as the calls lead there, and kept until gen_hookscan_free().
 * -1 with a message if one cannot be read. */
int gen_hook_locks(struct gen *g, const struct gobj *o, size_t sym,
		   uint32_t *locks, char **why);
/* Releases what gen_hook_locks() kept in G. */
void gen_hookscan_free(struct gen *g);

/* What C library function NAME may lock; *FOUND false (and NS_LOCKS_UNKNOWN)
 * if nonstop does not know it. */
uint32_t gen_libc_locks(const char *name, bool *found);
#endif
