/* shadow_root.h — binding a patch's shadow-variable table to the process's
 * (include/nonstop.h, "Shadow variables").
 *
 * Patch code that uses shadow variables refers to nonstop__shadow_root,
 * the table's root. Whatever the patch file says about that symbol — a
 * definition of its own (the running program never included nonstop.h,
 * or not in that file) or a reference — every reference binds to the one
 * root of the process, so that the program and every patch share one
 * table: the program's own if it has one, else the root nonstop keeps for
 * the process (core/shadow_map.h). */
#ifndef NONSTOP_LINK_SHADOW_ROOT_H
#define NONSTOP_LINK_SHADOW_ROOT_H
#include <stdbool.h>
#include <stdint.h>

#include "link/target.h"
#include "patch/patch.h"

#define NS_SHADOW_ROOT_SYM "nonstop__shadow_root"

/* True if S is (a definition of, or a reference to) the global root. */
bool ns_link_is_shadow_root(const struct ns_sym *s);

/* True if the patch refers to the root: it uses shadow variables. */
bool ns_link_needs_shadow_root(const struct ns_patch *p);

/* The root the running program defines: the main program's if it has one
 * (a shared library's references to it bind there too), else module M's
 * own. 0 with *ADDR, or -1 if neither has one. */
int ns_link_find_shadow_root(struct ns_target *t, struct ns_module *m,
			     uint64_t *addr);
#endif
