/* users.c — the code of an object that refers to one of its symbols, and
 * the patch made to carry all of it (users.h). When the patch brings a new
 * definition under an existing name — a function whose signature changed,
 * a read-only table whose contents changed — the old one stays in the
 * process for the old code, and every function of the new build that uses
 * the name must be the patch's, bound to the new one: a function the patch
 * would otherwise keep (its bytes are the same) is replaced all the same. */
#include <string.h>

#include "gen/users.h"
#include "patch/patch_format.h"

int gen_refers_to(const struct gobj *o, const GElf_Rela *r, size_t sym)
{
	const struct gsym *f = &o->syms[sym], *t = &o->syms[GELF_R_SYM(r->r_info)];
	int64_t at = gen_reloc_place(r);

	if (GELF_R_SYM(r->r_info) == sym)
		return 1;
	return t->type == STT_SECTION && t->s.st_shndx == f->s.st_shndx &&
	       at >= (int64_t)f->s.st_value &&
	       at < (int64_t)(f->s.st_value + f->s.st_size);
}

int gen_is_bookkeeping(const struct gsec *s)
{
	return !(s->sh.sh_flags & SHF_ALLOC) || !strcmp(s->name, ".eh_frame") ||
	       !strcmp(s->name, "__patchable_function_entries") ||
	       !strncmp(s->name, ".nonstop", 8);
}

long gen_code_owner(const struct gobj *o, long k)
{
	const char *n, *c;
	size_t len;

	if (k < 0 || !gobj_is_copied(o, (size_t)k) || o->syms[k].type != STT_FUNC)
		return k;
	n = o->syms[k].name;
	c = strstr(n, ".cold");
	len = (size_t)(c - n);
	for (size_t i = 1; i < o->nsyms; i++)
		if (o->syms[i].type == STT_FUNC && strlen(o->syms[i].name) == len &&
		    !strncmp(o->syms[i].name, n, len) && gobj_is_named_def(o, i))
			return (long)i;
	return -1;
}

int gen_carry_users(struct gen *g, struct gen_pair *pr, size_t sym, const char *verb,
		    const char *what, const char *change)
{
	const struct gobj *o = pr->new;

	for (size_t sec = 1; sec < o->nsecs; sec++) {
		const struct gsec *s = &o->secs[sec];

		if (!(s->sh.sh_flags & SHF_EXECINSTR) || gen_is_bookkeeping(s) ||
		    sec == o->syms[sym].s.st_shndx)
			continue;
		for (size_t r = 0; r < s->nrels; r++) {
			long k;

			if (!gen_refers_to(o, &s->rels[r], sym))
				continue;
			k = gen_code_owner(o, gobj_sym_at(o, sec, s->rels[r].r_offset));
			if (k < 0)
				return gen_fail(g, "refusing: '%s' (%s) %s; code in section %s "
						"refers to it, and nonstop cannot tell which "
						"function that is", o->syms[sym].name,
						gobj_source(o), change, s->name);
			if (pr->decision[k] != GEN_KEEP || o->syms[k].match < 0)
				continue;
			pr->decision[k] = GEN_REPLACE;
			pr->reason[k] = NS_REASON_RELOC;
			gen_note(g, 1, "  %s: %s: unchanged, but %s '%s' (%s): replaced "
				 "to use the patch's\n", o->rel, o->syms[k].name, verb,
				 o->syms[sym].name, what);
		}
	}
	return 0;
}
