/* shadow_root.c — which shadow-variable root a patch binds to (see
 * shadow_root.h); the binding itself is in link.c (ns_link_resolve). */
#include <elf.h>
#include <string.h>

#include "link/shadow_root.h"

bool ns_link_is_shadow_root(const struct ns_sym *s)
{
	if (!s->name || strcmp(s->name, NS_SHADOW_ROOT_SYM))
		return false;
	return s->kind == NS_SYM_DEFINED ? s->bind != STB_LOCAL : !s->file;
}

/* Only a patch whose code refers to the root needs one: nonstop.h defines
 * it in every file that includes it, also in one that only declares a
 * hook or a transformer, and such a patch must not make the process a
 * root it never uses. */
bool ns_link_needs_shadow_root(const struct ns_patch *p)
{
	for (size_t i = 0; i < p->nsections; i++) {
		const struct ns_section *sec = &p->sections[i];

		for (size_t r = 0; r < sec->nrelocs; r++) {
			uint32_t sym = sec->relocs[r].sym;

			if (sym > 0 && sym < p->nsyms &&
			    ns_link_is_shadow_root(&p->syms[sym]))
				return true;
		}
	}
	return false;
}

/* M's global definition of the root, if it has exactly one. */
static int module_root(struct ns_module *m, uint64_t *addr)
{
	struct ns_symval v;
	struct ns_err absent = { 0 };   /* not a failure: M has none */

	if (ns_module_lookup(m, NS_SHADOW_ROOT_SYM, NULL, &v, &absent) < 0 || v.type != STT_OBJECT)
		return -1;
	*addr = v.addr;
	return 0;
}

int ns_link_find_shadow_root(struct ns_target *t, struct ns_module *m,
			     uint64_t *addr)
{
	for (size_t i = 0; i < t->nmods; i++)
		if (t->mods[i].is_main && module_root(&t->mods[i], addr) == 0)
			return 0;
	return module_root(m, addr);
}
