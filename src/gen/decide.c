/* decide.c — for one pair of objects (old may be absent), decides what goes
 * into the patch: changed functions are replaced, new functions and new
 * variables added; a changed initializer of existing data is refused.
 * With -v, prints every decision.
 *
 * A function whose only differences are shifted source line numbers
 * (lineshift.h) is kept, and recorded with reason NS_REASON_LINES so that
 * the patch lists it as an ignored change.
 *
 * Static read-only data whose contents changed (a parser's tables) holds
 * no state: it is brought anew beside the old one, and every function that
 * reads it replaced (new_table()).
 *
 * A variable marked transformed (GEN_VAR_TRANSFORMED: it has a state
 * transformer, xform.h) is brought anew (GEN_XFORM_DATA), and every
 * function that uses it is replaced, changed or not (NS_REASON_USES_XFORM),
 * so that no code of the old build uses the old copy once the patch is
 * applied. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gen/dwobj.h"
#include "gen/gen.h"
#include "gen/lineshift.h"
#include "gen/users.h"
#include "gen/xform.h"

/* DWARF of both objects, opened when a function first differs. */
struct dctx {
	struct dwobj *old, *new;
	int tried;
};

static int is_func(const struct gsym *s)
{
	return s->type == STT_FUNC || s->type == STT_GNU_IFUNC;
}

static void say(const struct gen *g, int level, const struct gobj *o,
		const char *name, const char *what)
{
	gen_note(g, level, "  %s: %s: %s\n", o->rel, name, what);
}

/* GEN_SAME if the function at new symbol I differs only by shifted line
 * numbers; WHY then says by how much. */
static enum gen_diff lines_only(struct gen_pair *pr, struct dctx *dc, size_t i,
				char *why, size_t whylen)
{
	const struct gobj *o = pr->new, *old = pr->old;
	const struct gsym *s = &o->syms[i];
	size_t oi = (size_t)s->match;
	struct gen_lines lr;
	uint32_t od, olo, ohi, nd, nlo, nhi;
	unsigned nf = 0;
	char tmp[256];

	if (!dc->tried) {
		dc->tried = 1;
		dc->old = dwobj_open(old->path);
		dc->new = dc->old ? dwobj_open(o->path) : NULL;
	}
	if (!dc->old || !dc->new ||
	    lineinfo_func(dc->old, oi, old->syms[oi].name, &od, &olo, &ohi) ||
	    lineinfo_func(dc->new, i, s->name, &nd, &nlo, &nhi))
		return GEN_BYTES;
	lr.shift = (int64_t)nd - (int64_t)od;
	lr.lo = olo;
	lr.hi = ohi;
	/* The whole function moved by the same amount, or it changed. */
	if (!lr.shift || (int64_t)nlo - (int64_t)olo != lr.shift ||
	    (int64_t)nhi - (int64_t)ohi != lr.shift)
		return GEN_BYTES;
	if (gen_compare_func_lines(old, old->syms[oi].s.st_shndx, o, s->s.st_shndx,
				   &lr, &nf, tmp, sizeof(tmp)) != GEN_SAME)
		return GEN_BYTES;
	snprintf(why, whylen, "unchanged (line numbers only: %u field%s, lines %+ld)",
		 nf, nf == 1 ? "" : "s", (long)lr.shift);
	return GEN_SAME;
}

static int decide_func(struct gen *g, struct gen_pair *pr, struct dctx *dc,
		       size_t i)
{
	const struct gobj *o = pr->new;
	const struct gsym *s = &o->syms[i];
	char why[256] = "", why2[256];
	const char *v;
	enum gen_diff d;

	if (gobj_is_copied(o, i)) {
		/* .cold pieces are carried with the function that jumps to them. */
		say(g, 1, o, s->name, "travels with its parent");
		return 0;
	}
	if (!pr->old || s->match < 0) {
		pr->decision[i] = GEN_NEW_FUNC;
		pr->reason[i] = NS_REASON_NEW;
		say(g, 1, o, s->name, "new function");
		return 0;
	}
	d = gen_compare_func(pr->old, pr->old->syms[s->match].s.st_shndx,
			     o, s->s.st_shndx, why, sizeof(why));
	if (d != GEN_SAME && lines_only(pr, dc, i, why2, sizeof(why2)) == GEN_SAME) {
		pr->reason[i] = NS_REASON_LINES;  /* decision stays GEN_KEEP */
		d = GEN_SAME;
	}
	if (d == GEN_SAME && (v = gen_xform_refers(g, pr, s->s.st_shndx))) {
		/* Its code is the same, but the variable it uses moves: it
		 * must bind to the patch's. */
		pr->decision[i] = GEN_REPLACE;
		pr->reason[i] = NS_REASON_USES_XFORM;
		snprintf(why, sizeof(why), "unchanged, but uses '%s', which is transformed", v);
		say(g, 1, o, s->name, why);
		return 0;
	}
	if (d == GEN_SAME) {
		say(g, 1, o, s->name, pr->reason[i] == NS_REASON_LINES ? why2 : "unchanged");
		return 0;
	}
	pr->decision[i] = GEN_REPLACE;
	pr->reason[i] = d == GEN_BYTES ? NS_REASON_BYTES : NS_REASON_RELOC;
	say(g, 1, o, s->name, why);
	return 0;
}

/* Static read-only data I whose contents changed (a table: bison's
 * yypgoto, a lookup table) holds no state: the patch brings the new one
 * beside the old, which the old code keeps reading, and every function
 * that reads it is carried (after the loop: carry_tables()). Refused if
 * the old build stores its address in data: the process may reach the old
 * contents through that pointer from the new code. */
static int new_table(struct gen *g, struct gen_pair *pr, size_t i)
{
	struct gobj *o = pr->new, *old = pr->old;
	size_t oi = (size_t)o->syms[i].match;

	for (size_t sec = 1; sec < old->nsecs; sec++) {
		const struct gsec *s = &old->secs[sec];
		long k;

		if ((s->sh.sh_flags & SHF_EXECINSTR) || gen_is_bookkeeping(s))
			continue;
		for (size_t r = 0; r < s->nrels; r++) {
			if (!gen_refers_to(old, &s->rels[r], oi))
				continue;
			k = gobj_sym_at(old, sec, s->rels[r].r_offset);
			return gen_fail(g, "refusing: read-only data '%s' in %s changed its "
					"contents, and its address is stored in '%s': the "
					"process may read the old contents through it",
					o->syms[i].name, o->rel, k >= 0 ? old->syms[k].name :
					s->name);
		}
	}
	old->syms[oi].match = -1;
	o->syms[i].match = -1;
	pr->decision[i] = GEN_NEW_DATA;
	pr->reason[i] = NS_REASON_BYTES;
	say(g, 1, o, o->syms[i].name, "read-only, contents changed: the patch "
	    "brings the new one beside the old");
	return 0;
}

/* Every function reading a table new_table() brought anew is the patch's. */
static int carry_tables(struct gen *g, struct gen_pair *pr)
{
	for (size_t i = 1; i < pr->new->nsyms; i++)
		if (pr->decision[i] == GEN_NEW_DATA && pr->reason[i] == NS_REASON_BYTES &&
		    gen_carry_users(g, pr, i, "reads", "contents changed",
				    "changed its contents (read-only data)"))
			return -1;
	return 0;
}

static int decide_data(struct gen *g, struct gen_pair *pr, size_t i)
{
	const struct gobj *o = pr->new;
	const struct gsym *s = &o->syms[i];
	char why[256] = "";

	if (gobj_is_copied(o, i) || gen_xform_is_record(o, i) ||
	    gobj_is_shadow_root(o, i))
		return 0;  /* read-only compiler data: copied where referenced;
			      transformer records: read by xform.c; the
			      shadow root: the process's */
	if (pr->var[i] == GEN_VAR_TRANSFORMED) {
		pr->decision[i] = GEN_XFORM_DATA;
		pr->reason[i] = NS_REASON_XFORM;
		say(g, 1, o, s->name, "transformed: the patch brings it anew");
		return 0;
	}
	if (!pr->old || s->match < 0) {
		if (s->type == STT_TLS)
			return gen_fail(g, "refusing: new thread-local variable '%s' in %s "
					"(not supported)", s->name, o->rel);
		pr->decision[i] = GEN_NEW_DATA;
		pr->reason[i] = NS_REASON_NEW;
		say(g, 1, o, s->name, "new variable");
		return 0;
	}
	if (pr->var[i] == GEN_VAR_CHANGED) {
		/* Its bytes differ because its type did: types.c says how. */
		say(g, 1, o, s->name, "type changed");
		return 0;
	}
	if (gen_compare_data(pr->old, (size_t)s->match, o, i, why, sizeof(why)) != GEN_SAME) {
		if (s->bind == STB_LOCAL && gobj_is_readonly(o, i))
			return new_table(g, pr, i);
		return gen_fail(g, "refusing: data '%s' in %s changed its initializer "
				"(not supported without a state transformer): %s",
				s->name, o->rel, why);
	}
	say(g, 2, o, s->name, "variable unchanged");
	return 0;
}

/* A static local of a function that still exists, gone from the new
 * build: the function's live state would be dropped without a word. gcc
 * names them "var.N", clang "func.var"; read-only ones (tables, __func__)
 * hold no state and may go. */
static int check_removed_statics(struct gen *g, const struct gen_pair *pr)
{
	const struct gobj *o = pr->old;

	for (size_t i = 1; o && i < o->nsyms; i++) {
		const struct gsym *s = &o->syms[i];
		long owner;

		if (s->type != STT_OBJECT || s->bind != STB_LOCAL ||
		    s->match >= 0 || !gobj_is_named_def(o, i) ||
		    gobj_is_copied(o, i) || !strchr(s->name, '.'))
			continue;
		owner = gen_owner_of(o, i);
		if (owner < 0 || o->syms[owner].match < 0)
			continue;
		return gen_fail(g, "refusing: static local '%s' of %s in %s was "
				"removed: its live value would be lost (not "
				"supported without a state transformer)",
				s->name, o->syms[owner].name, o->rel);
	}
	return 0;
}

int gen_decide(struct gen *g, struct gen_pair *pr)
{
	const struct gobj *o = pr->new;
	struct dctx dc = { 0 };
	int rc = 0;

	pr->decision = calloc(o->nsyms ? o->nsyms : 1, 1);
	pr->reason = calloc(o->nsyms ? o->nsyms : 1, 1);
	if (!pr->decision || !pr->reason)
		return gen_fail(g, "out of memory");
	for (size_t i = 1; i < o->nsyms; i++) {
		const struct gsym *s = &o->syms[i];

		if (!gobj_is_named_def(o, i) || gobj_is_hook_sym(o, i))
			continue;   /* hook records: hooks.c */
		if (is_func(s))
			rc = decide_func(g, pr, &dc, i);
		else if (s->type == STT_OBJECT || s->type == STT_TLS)
			rc = decide_data(g, pr, i);
		if (rc)
			break;
	}
	if (!rc)
		rc = carry_tables(g, pr);
	if (!rc)
		rc = check_removed_statics(g, pr);
	if (!rc)
		rc = gen_xform_check_data(g, pr);
	dwobj_close(dc.old);
	dwobj_close(dc.new);
	return rc ? -1 : 0;
}
