/* hooks.c — the hooks a patch's source declares (NONSTOP_PRE_APPLY ...,
 * include/nonstop.h): found in section ".nonstop.hooks" of the new
 * objects, one struct nonstop_hook per hook (kind, reserved, pointer to
 * the function, the pointer as an R_X86_64_64 relocation).
 *
 * The section is not data of the patch: its records are neither compared
 * nor carried (decide.c skips their symbols). A hook whose record is in
 * the old object too (same kind, same function) belongs to an earlier
 * patch that was built from the old sources (a patch stacked on it keeps
 * the file): it is not this patch's, and is left out. The hook functions
 * themselves are ordinary functions of the new build: new ones are carried
 * as new code, changed ones as replaced, and the patch's hook then points
 * at its own copy (emit.c). Each hook recorded carries what its code may
 * lock (hook_locks.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gen/gen.h"
#include "gen/hook_locks.h"
#include "nonstop.h"

#define RECORD_SIZE 16          /* sizeof(struct nonstop_hook) */
#define FN_OFFSET   8           /* offsetof(struct nonstop_hook, fn) */
#define R_64        1           /* R_X86_64_64 */

_Static_assert(sizeof(struct nonstop_hook) == RECORD_SIZE, "hook record");
_Static_assert(__builtin_offsetof(struct nonstop_hook, fn) == FN_OFFSET,
	       "hook record fn");
_Static_assert(NONSTOP_HOOK_PRE_APPLY == NS_HOOK_PRE_APPLY &&
	       NONSTOP_HOOK_POST_APPLY == NS_HOOK_POST_APPLY &&
	       NONSTOP_HOOK_PRE_REVERT == NS_HOOK_PRE_REVERT &&
	       NONSTOP_HOOK_POST_REVERT == NS_HOOK_POST_REVERT,
	       "hook kinds of nonstop.h and patch.h");

static int is_hook_section(const struct gobj *o, size_t sec)
{
	return sec > 0 && sec < o->nsecs && o->secs[sec].name &&
	       !strcmp(o->secs[sec].name, NS_GEN_HOOKS_SECTION);
}

int gobj_is_hook_sym(const struct gobj *o, size_t sym)
{
	const GElf_Sym *s = &o->syms[sym].s;

	return s->st_shndx != SHN_UNDEF && s->st_shndx < SHN_LORESERVE &&
	       is_hook_section(o, s->st_shndx);
}

/* The relocation of the function pointer of the record at OFF. */
static const GElf_Rela *fn_reloc(const struct gsec *s, uint64_t off)
{
	for (size_t r = 0; r < s->nrels; r++)
		if (s->rels[r].r_offset == off + FN_OFFSET)
			return &s->rels[r];
	return NULL;
}

/* The function symbol a record points at: a function symbol itself (or
 * an undefined symbol: a function of another object), or (as the
 * assembler writes references to local functions) its section's symbol
 * plus the function's offset. -1 if it is not a function. */
static long fn_of(const struct gobj *o, const GElf_Rela *r)
{
	size_t sym = GELF_R_SYM(r->r_info);
	const struct gsym *s = &o->syms[sym];
	long k;

	if (GELF_R_TYPE(r->r_info) != R_64)
		return -1;
	/* A function of this object, or one of another (undefined here). */
	if (r->r_addend == 0 && *s->name &&
	    (s->type == STT_FUNC || s->s.st_shndx == SHN_UNDEF))
		return (long)sym;
	if (s->type != STT_SECTION || r->r_addend < 0)
		return -1;
	k = gobj_sym_at(o, s->s.st_shndx, (uint64_t)r->r_addend);
	if (k < 0 || o->syms[k].type != STT_FUNC ||
	    o->syms[k].s.st_value != (uint64_t)r->r_addend)
		return -1;
	return k;
}

/* Appends every hook record of O to *V (grown as needed). */
static int read_hooks(struct gen *g, const struct gobj *o, struct gen_hook **v,
		      size_t *n)
{
	for (size_t sec = 1; sec < o->nsecs; sec++) {
		const struct gsec *s = &o->secs[sec];

		if (!is_hook_section(o, sec))
			continue;
		if (s->sh.sh_type != SHT_PROGBITS || !s->data ||
		    s->sh.sh_size % RECORD_SIZE)
			return gen_fail(g, "refusing: %s: section %s is not a table of "
					"hooks made by nonstop.h's NONSTOP_PRE_APPLY & co",
					o->rel, s->name);
		for (uint64_t off = 0; off < s->sh.sh_size; off += RECORD_SIZE) {
			uint32_t kind;
			const GElf_Rela *r = fn_reloc(s, off);
			long fn = r ? fn_of(o, r) : -1;
			struct gen_hook *nv;

			memcpy(&kind, s->data + off, sizeof(kind));
			if (kind < NS_HOOK_PRE_APPLY || kind > NS_HOOK_KINDS || fn < 0)
				return gen_fail(g, "refusing: %s: hook %lu of section %s "
						"has no kind or no function (not made by "
						"nonstop.h's NONSTOP_PRE_APPLY & co)", o->rel,
						(unsigned long)(off / RECORD_SIZE), s->name);
			nv = realloc(*v, (*n + 1) * sizeof(**v));
			if (!nv)
				return gen_fail(g, "out of memory");
			*v = nv;
			nv[*n].kind = kind;
			nv[(*n)++].sym = (size_t)fn;
		}
	}
	return 0;
}

/* Whether OLD declares the hook H of NEW too: same kind, same function. */
static int inherited(const struct gen_pair *pr, const struct gen_hook *h,
		     const struct gen_hook *oldv, size_t nold)
{
	const char *name = gen_canon_name(pr->new, pr->old, h->sym);

	for (size_t i = 0; i < nold; i++)
		if (oldv[i].kind == h->kind &&
		    !strcmp(pr->old->syms[oldv[i].sym].name, name))
			return 1;
	return 0;
}

int gen_hooks_of(struct gen *g, const struct gen_pair *pr,
		 struct gen_hook **out, size_t *n)
{
	struct gen_hook *nv = NULL, *ov = NULL;
	size_t nn = 0, no = 0, k = 0;

	*out = NULL;
	*n = 0;
	if (read_hooks(g, pr->new, &nv, &nn) ||
	    (pr->old && read_hooks(g, pr->old, &ov, &no))) {
		free(nv);
		free(ov);
		return -1;
	}
	for (size_t i = 0; i < nn; i++) {
		const char *name = pr->new->syms[nv[i].sym].name;

		if (pr->old && inherited(pr, &nv[i], ov, no)) {
			gen_note(g, 1, "  %s: %s hook %s: in the old build too (an "
				 "earlier patch's), not this patch's\n",
				 pr->new->rel, ns_hook_kind_name(nv[i].kind), name);
			continue;
		}
		gen_note(g, 1, "  %s: %s hook %s\n", pr->new->rel,
			 ns_hook_kind_name(nv[i].kind), name);
		nv[k++] = nv[i];
	}
	free(ov);
	if (!k) {
		free(nv);
		return 0;
	}
	*out = nv;
	*n = k;
	return 0;
}

int gen_hook_set(struct gen *g, struct ns_patch *p, const struct gen_pair *pr,
		 const struct gen_hook *h, uint32_t sym)
{
	uint32_t k = h->kind - 1;
	uint32_t *slot = &p->hooks[k];

	if (*slot)
		return gen_fail(g, "refusing: two %s hooks: %s and %s (%s); a patch "
				"has one of each kind", ns_hook_kind_name(h->kind),
				p->syms[*slot].name, pr->new->syms[h->sym].name,
				pr->new->rel);
	*slot = sym;
	/* What it may lock (hook_locks.h); -v says it. */
	if (gen_hook_locks(g, pr->new, h->sym, &p->hook_locks[k], &p->hook_why[k]))
		return -1;
	gen_note(g, 1, "  %s hook %s: %s%s\n", ns_hook_kind_name(h->kind),
		 pr->new->syms[h->sym].name, p->hook_locks[k] ? "may lock: " :
		 "takes no lock (runs in any thread)",
		 p->hook_why[k] ? p->hook_why[k] : "");
	return 0;
}
