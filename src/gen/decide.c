/* decide.c — for one pair of objects (old may be absent), decides what goes
 * into the patch: changed functions are replaced, new functions and new
 * variables added; a changed initializer of existing data is refused.
 * With -v, prints every decision. */
#include <stdio.h>
#include <stdlib.h>

#include "gen/gen.h"

static int is_func(const struct gsym *s)
{
	return s->type == STT_FUNC || s->type == STT_GNU_IFUNC;
}

static void say(const struct gen *g, const struct gobj *o, const char *name,
		const char *what)
{
	if (g->opts->verbose)
		printf("  %s: %s: %s\n", o->rel, name, what);
}

static int decide_func(struct gen *g, struct gen_pair *pr, size_t i)
{
	const struct gobj *o = pr->new;
	const struct gsym *s = &o->syms[i];
	char why[256] = "";
	enum gen_diff d;

	if (gobj_is_copied(o, i)) {
		/* .cold pieces are carried with the function that jumps to them. */
		say(g, o, s->name, "travels with its parent");
		return 0;
	}
	if (!pr->old || s->match < 0) {
		pr->decision[i] = GEN_NEW_FUNC;
		pr->reason[i] = NS_REASON_NEW;
		say(g, o, s->name, "new function");
		return 0;
	}
	d = gen_compare_func(pr->old, pr->old->syms[s->match].s.st_shndx,
			     o, s->s.st_shndx, why, sizeof(why));
	if (d == GEN_SAME) {
		say(g, o, s->name, "unchanged");
		return 0;
	}
	pr->decision[i] = GEN_REPLACE;
	pr->reason[i] = d == GEN_BYTES ? NS_REASON_BYTES : NS_REASON_RELOC;
	say(g, o, s->name, why);
	return 0;
}

static int decide_data(struct gen *g, struct gen_pair *pr, size_t i)
{
	const struct gobj *o = pr->new;
	const struct gsym *s = &o->syms[i];
	char why[256] = "";

	if (gobj_is_copied(o, i))
		return 0;  /* read-only compiler data: copied where referenced */
	if (!pr->old || s->match < 0) {
		if (s->type == STT_TLS)
			return gen_fail(g, "refusing: new thread-local variable '%s' in %s "
					"(not supported)", s->name, o->rel);
		pr->decision[i] = GEN_NEW_DATA;
		pr->reason[i] = NS_REASON_NEW;
		say(g, o, s->name, "new variable");
		return 0;
	}
	if (gen_compare_data(pr->old, (size_t)s->match, o, i, why, sizeof(why)) != GEN_SAME)
		return gen_fail(g, "refusing: data '%s' in %s changed its initializer "
				"(not supported without a state transformer): %s",
				s->name, o->rel, why);
	if (g->opts->verbose > 1)
		say(g, o, s->name, "variable unchanged");
	return 0;
}

int gen_decide(struct gen *g, struct gen_pair *pr)
{
	const struct gobj *o = pr->new;

	pr->decision = calloc(o->nsyms ? o->nsyms : 1, 1);
	pr->reason = calloc(o->nsyms ? o->nsyms : 1, 1);
	if (!pr->decision || !pr->reason)
		return gen_fail(g, "out of memory");
	for (size_t i = 1; i < o->nsyms; i++) {
		const struct gsym *s = &o->syms[i];
		int rc = 0;

		if (!gobj_is_named_def(o, i))
			continue;
		if (is_func(s))
			rc = decide_func(g, pr, i);
		else if (s->type == STT_OBJECT || s->type == STT_TLS)
			rc = decide_data(g, pr, i);
		if (rc)
			return -1;
	}
	return 0;
}
