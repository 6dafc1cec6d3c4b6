/* shadow_map.h — the shadow-variable root nonstop keeps for a process whose
 * program has none of its own (include/nonstop.h, "Shadow variables").
 *
 * A program that never included nonstop.h has no nonstop__shadow_root.
 * The first patch that uses shadow variables in it gets one mapping, named
 * "nonstop:shadow", that holds the root; every later patch binds to the
 * same one (link/shadow_root.h). It is not a patch: no record, no revert;
 * it stays for the life of the process, since the shadow variables it
 * leads to (in the program's heap) outlive the patches that made them.
 *
 * Its first page: the magic "NSSHADOW", then, at NS_SHADOW_MAP_ROOT, the
 * root, which is empty when all zeros. Created as memfd (nonstop dying
 * there leaves a descriptor, closed by the next sweep), mmap (an all-zero
 * "nonstop:" mapping: an orphan that the next sweep removes), magic
 * written (from then on it is the process's root, and is kept). */
#ifndef NONSTOP_SHADOW_MAP_H
#define NONSTOP_SHADOW_MAP_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "util/err.h"

#include "link/target.h"
#include "proc/tracee.h"

#define NS_SHADOW_MAP_NAME  "shadow"     /* mapped as "nonstop:shadow" */
#define NS_SHADOW_MAP_MAGIC "NSSHADOW"
#define NS_SHADOW_MAP_ROOT  64           /* offset of the root */
#define NS_SHADOW_MAP_SIZE  4096

/* The root the patch's references to nonstop__shadow_root bind to in the
 * process TR holds, if it has one: the program's own (link/shadow_root.h;
 * M is the module patched), else nonstop's mapping. Changes nothing. 0
 * with *ROOT; 1 if there is none; -1 if the maps cannot be read. */
int ns_shadow_root_find(struct ns_tracee *tr, struct ns_target *t,
			struct ns_module *m, uint64_t *root);

/* Makes nonstop's mapping (there is none: ns_shadow_root_find), with a
 * thread of TR borrowed. 0 with *ROOT and *CREATED, or -1 with tr->err (if
 * *CREATED, the root was made even so: ns_shadow_root_drop_unused takes
 * it back). */
int ns_shadow_root_create(struct ns_tracee *tr, uint64_t *root, bool *created);

/* Unmaps the mapping of ROOT if its table is still empty: for an apply
 * that created it and failed with none of the patch's code left to run.
 * A table that holds entries (the patch's code ran) stays. Best effort. */
void ns_shadow_root_drop_unused(struct ns_tracee *tr, uint64_t root);
#endif
