/* correlate.c — matches the symbols of an old object with those of its new
 * build: by name first, then compiler-numbered locals (count.0 / count.1,
 * foo.part.0 / foo.part.1) by their base name and, for static locals, by the
 * function that owns them, since the numbering may differ between builds. */
#include <stdlib.h>
#include <string.h>

#include "gen/gen.h"

static int is_func(const struct gsym *s)
{
	return s->type == STT_FUNC || s->type == STT_GNU_IFUNC;
}

static int same_class(const struct gsym *a, const struct gsym *b)
{
	return is_func(a) == is_func(b) &&
	       (a->bind == STB_LOCAL) == (b->bind == STB_LOCAL);
}

static size_t base_len(const char *name);
static int same_owner(const struct gobj *old, size_t osym,
		      const struct gobj *new, size_t nsym);

/* Whether symbol N of NEW is a static local the compiler numbered
 * (count.0): the same name in the old build may be another function's,
 * since gcc numbers them through the file and a new one renumbers the
 * rest. */
static int numbered_local(const struct gobj *new, size_t n)
{
	const struct gsym *s = &new->syms[n];

	return !is_func(s) && s->bind == STB_LOCAL && base_len(s->name) != strlen(s->name);
}

static void match_by_name(struct gobj *old, struct gobj *new)
{
	for (size_t n = 1; n < new->nsyms; n++) {
		struct gsym *ns = &new->syms[n];

		if (!gobj_is_named_def(new, n))
			continue;
		for (size_t o = 1; o < old->nsyms; o++) {
			struct gsym *os = &old->syms[o];

			if (os->match >= 0 || !gobj_is_named_def(old, o) ||
			    !same_class(os, ns) || strcmp(os->name, ns->name) ||
			    (numbered_local(new, n) && !same_owner(old, o, new, n)))
				continue;
			os->match = (long)n;
			ns->match = (long)o;
			break;
		}
	}
}

/* Length of NAME without a trailing ".<digits>" (gcc's numbering). */
static size_t base_len(const char *name)
{
	size_t len = strlen(name), i = len;

	while (i > 0 && name[i - 1] >= '0' && name[i - 1] <= '9')
		i--;
	if (i < len && i > 1 && name[i - 1] == '.')
		return i - 1;
	return len;
}

/* The function whose code first refers to data symbol SYM (by name or
 * through its section), or -1: a static local belongs to that function. */
long gen_owner_of(const struct gobj *o, size_t sym)
{
	size_t shndx = o->syms[sym].s.st_shndx;

	if (is_func(&o->syms[sym]))
		return -1;
	for (size_t sec = 1; sec < o->nsecs; sec++) {
		const struct gsec *s = &o->secs[sec];

		if (!(s->sh.sh_flags & SHF_EXECINSTR))
			continue;
		for (size_t r = 0; r < s->nrels; r++) {
			size_t t = GELF_R_SYM(s->rels[r].r_info);
			const struct gsym *ts = &o->syms[t];

			if (t == sym || (ts->type == STT_SECTION && ts->s.st_shndx == shndx))
				return gobj_sym_at(o, sec, 0);
		}
	}
	return -1;
}

static int same_owner(const struct gobj *old, size_t osym,
		      const struct gobj *new, size_t nsym)
{
	long oo = gen_owner_of(old, osym), no = gen_owner_of(new, nsym);

	if (oo < 0 || no < 0)
		return oo == no;
	return !strcmp(old->syms[oo].name, gen_canon_name(new, old, (size_t)no));
}

static void match_numbered(struct gobj *old, struct gobj *new)
{
	for (size_t n = 1; n < new->nsyms; n++) {
		struct gsym *ns = &new->syms[n];
		size_t nb = base_len(ns->name);
		long found = -1;
		int count = 0;

		if (ns->match >= 0 || ns->bind != STB_LOCAL ||
		    !gobj_is_named_def(new, n) || nb == strlen(ns->name))
			continue;
		for (size_t o = 1; o < old->nsyms; o++) {
			struct gsym *os = &old->syms[o];

			if (os->match >= 0 || !gobj_is_named_def(old, o) ||
			    !same_class(os, ns) || base_len(os->name) != nb ||
			    strncmp(os->name, ns->name, nb) ||
			    !same_owner(old, o, new, n))
				continue;
			found = (long)o;
			count++;
		}
		if (count == 1) {
			old->syms[found].match = (long)n;
			ns->match = found;
		}
	}
}

void gen_correlate(struct gobj *old, struct gobj *new)
{
	for (size_t i = 0; i < new->nsyms; i++)
		new->syms[i].match = -1;
	if (!old)
		return;
	for (size_t i = 0; i < old->nsyms; i++)
		old->syms[i].match = -1;
	match_by_name(old, new);
	match_numbered(old, new);
}

const char *gen_canon_name(const struct gobj *new, const struct gobj *old,
			   size_t sym)
{
	long m = new->syms[sym].match;

	if (old && m >= 0)
		return old->syms[m].name;
	return new->syms[sym].name;
}
