/* types.c — the types of what stays live across the patch (types.h): for
 * each pair, every variable the two builds share is marked the same,
 * changed or transformed (gen_pair.var), its DWARF types compared
 * structurally (typecmp.h); a variable the new build gives a transformer
 * for (xform.h) is not compared: it is marked transformed, and the patch
 * brings it anew. Changes found in every object pair are gathered, merged
 * by type, and refused once at the end, naming every variable that uses
 * the type. The signatures of the functions a patch replaces are compared
 * the same way. */
#include <dwarf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gen/die.h"
#include "gen/dwobj.h"
#include "gen/sigchange.h"
#include "gen/typecmp.h"
#include "gen/types.h"
#include "gen/xform.h"
#include "util/strbuf.h"

/* One changed type (or one variable's own type), and who uses it. */
struct tchange {
	char          *type;   /* innermost named type, "" for the variable's */
	char          *what;   /* how it changed */
	unsigned       more;   /* further differences */
	struct strbuf  vars;   /* "'table' (main.c), 'cur' (util.c)" */
	unsigned       nvars;
};

struct gen_types {
	struct tchange   *ch;
	size_t            nch, cap;
	struct strbuf     warned;  /* heaplayout.c's types, "\n"-separated */
};

struct gen_types *gen_types_new(void)
{
	return calloc(1, sizeof(struct gen_types));
}

void gen_types_free(struct gen_types *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->nch; i++) {
		free(t->ch[i].type);
		free(t->ch[i].what);
		sb_free(&t->ch[i].vars);
	}
	free(t->ch);
	sb_free(&t->warned);
	free(t);
}

int gen_types_changed(struct gen *g, const char *type)
{
	struct gen_types *t = g->types;

	for (size_t i = 0; t && i < t->nch; i++)
		if (!strcmp(t->ch[i].type, type))
			return 1;
	return 0;
}

int gen_types_first_warning(struct gen *g, const char *type)
{
	struct gen_types *t = g->types;
	const char *p;
	size_t n = strlen(type);

	if (!t)
		return 1;
	for (p = sb_str(&t->warned); (p = strstr(p, type)); p += n)
		if ((p == sb_str(&t->warned) || p[-1] == '\n') && p[n] == '\n')
			return 0;
	sb_printf(&t->warned, "%s\n", type);
	return 1;
}

/* ---- variables --------------------------------------------------------------- */

static int is_data(const struct gsym *s)
{
	return s->type == STT_OBJECT || s->type == STT_TLS;
}

/* Records change C of the type of variable VAR; merged with an earlier
 * change of the same named type. */
static int record(struct gen *g, struct typecmp *c, const char *var)
{
	struct gen_types *t = g->types;
	const char *owner = sb_str(&c->owner);
	struct tchange *ch = NULL;

	if (*owner)
		for (size_t i = 0; i < t->nch && !ch; i++)
			if (!strcmp(t->ch[i].type, owner) && !strcmp(t->ch[i].what, sb_str(&c->what)))
				ch = &t->ch[i];
	if (!ch) {
		if (t->nch == t->cap) {
			size_t cap = t->cap ? t->cap * 2 : 8;
			struct tchange *v = realloc(t->ch, cap * sizeof(*v));

			if (!v)
				return gen_fail(g, "out of memory");
			t->ch = v;
			t->cap = cap;
		}
		ch = &t->ch[t->nch];
		memset(ch, 0, sizeof(*ch));
		ch->type = strdup(owner);
		ch->what = strdup(sb_str(&c->what));
		ch->more = c->n - 1;
		if (!ch->type || !ch->what) {
			free(ch->type);
			free(ch->what);
			return gen_fail(g, "out of memory");
		}
		t->nch++;
	}
	sb_printf(&ch->vars, "%s%s", ch->nvars ? ", " : "", var);
	ch->nvars++;
	return sb_failed(&ch->vars) ? gen_fail(g, "out of memory") : 0;
}

static int check_var(struct gen *g, struct gen_pair *pr, struct dwobj *dold,
		     struct dwobj *dnew, size_t i)
{
	const struct gobj *o = pr->new, *old = pr->old;
	const struct gsym *s = &o->syms[i];
	Dwarf_Die vo, vn, ta, tb;
	struct typecmp c = { 0 };
	char var[600];
	const char *name;
	long owner;
	int has_a, has_b, rc = 0;

	if (dwobj_var(dold, (size_t)s->match, old->syms[s->match].name, &vo) ||
	    dwobj_var(dnew, i, s->name, &vn)) {
		gen_note(g, 2, "  %s: %s: no DWARF for the variable: type not compared\n",
			 o->rel, s->name);
		return 0;
	}
	has_a = die_type(&vo, &ta) == 0;
	has_b = die_type(&vn, &tb) == 0;
	if (!typecmp(&c, has_a ? &ta : NULL, has_b ? &tb : NULL, ""))
		goto out;
	pr->var[i] = GEN_VAR_CHANGED;
	name = dwarf_diename(&vn) ? dwarf_diename(&vn) : s->name;
	owner = s->bind == STB_LOCAL && strcmp(name, s->name) ? gen_owner_of(o, i) : -1;
	if (owner >= 0)
		snprintf(var, sizeof(var), "'%s' (static in %s, %s)", name,
			 o->syms[owner].name, gobj_source(o));
	else
		snprintf(var, sizeof(var), "'%s' (%s)", name, gobj_source(o));
	gen_note(g, 1, "  %s: %s: type changed: %s%s%s\n", o->rel, s->name,
		 sb_str(&c.owner), *sb_str(&c.owner) ? ": " : "", sb_str(&c.what));
	if (!*sb_str(&c.owner)) {
		/* The variable's own type: the change names the variable. */
		struct strbuf w = { 0 };

		sb_printf(&w, "variable %s %s", var, sb_str(&c.what));
		sb_reset(&c.what);
		sb_puts(&c.what, sb_str(&w));
		sb_free(&w);
	}
	rc = record(g, &c, var);
out:
	typecmp_free(&c);
	return rc;
}

/* A variable of OLD named NAME.<digits>: what clang leaves of a static
 * struct it split into one variable per field (f.st -> f.st.0, f.st.1). */
static long split_piece(const struct gobj *old, const char *name)
{
	size_t n = strlen(name);

	for (size_t i = 1; i < old->nsyms; i++) {
		const char *o = old->syms[i].name;

		if (old->syms[i].type == STT_OBJECT && !strncmp(o, name, n) &&
		    o[n] == '.' && o[n + 1] >= '0' && o[n + 1] <= '9' &&
		    strspn(o + n + 1, "0123456789") == strlen(o + n + 1))
			return (long)i;
	}
	return -1;
}

int gen_types_vars(struct gen *g, struct gen_pair *pr)
{
	const struct gobj *o = pr->new;
	struct dwobj *dold = NULL, *dnew = NULL;
	int rc = 0, nodwarf = 0;

	pr->var = calloc(o->nsyms ? o->nsyms : 1, 1);
	if (!pr->var)
		return gen_fail(g, "out of memory");
	for (size_t i = 1; i < o->nsyms && !rc; i++) {
		const struct gsym *s = &o->syms[i];
		const struct gen_xrec *x;

		if (!gobj_is_named_def(o, i) || !is_data(s) || gobj_is_copied(o, i))
			continue;
		x = gen_xform_for(g, o, i, GEN_XFORM_APPLY);
		if (!x)
			x = gen_xform_for(g, o, i, GEN_XFORM_REVERT);
		if (x && (!pr->old || s->match < 0)) {
			long piece = pr->old ? split_piece(pr->old, s->name) : -1;

			if (piece >= 0)
				rc = gen_fail(g, "refusing: '%s' in %s cannot be transformed: "
					      "the compiler split it into separate variables "
					      "in the old build (%s), one per field (not "
					      "supported)", s->name, o->rel,
					      pr->old->syms[piece].name);
			else
				rc = gen_fail(g, "refusing: '%s' in %s is a new variable: it "
					      "has no live value to transform (%s)", s->name,
					      o->rel, x->fn);
			break;
		}
		if (!pr->old || s->match < 0)
			continue;
		if (!x && s->bind == STB_LOCAL && gobj_is_readonly(o, i))
			continue;  /* no live state: brought anew if it changed (decide.c) */
		if (x) {
			/* Its type may have changed: the transformer says how
			 * to move it (the patch brings a new one). */
			pr->var[i] = GEN_VAR_TRANSFORMED;
			gen_note(g, 1, "  %s: %s: transformed by %s\n", o->rel, s->name, x->fn);
			continue;
		}
		if (!dold && !nodwarf) {
			dold = dwobj_open(pr->old->path);
			dnew = dold ? dwobj_open(o->path) : NULL;
			if (!dnew) {
				gen_warn(g, "%s: no DWARF (build with 'nonstop cflags'): "
					 "the types of its variables were not compared", o->rel);
				nodwarf = 1;
			}
		}
		if (!nodwarf)
			rc = check_var(g, pr, dold, dnew, i);
	}
	dwobj_close(dold);
	dwobj_close(dnew);
	return rc;
}

/* ---- signatures ------------------------------------------------------------ */

struct sig {
	Dwarf_Die p[64];
	int       n;
	int       varargs;
};

static void signature(Dwarf_Die *fn, struct sig *s)
{
	Dwarf_Die c;

	s->n = 0;
	s->varargs = 0;
	if (dwarf_child(fn, &c) != 0)
		return;
	do {
		if (dwarf_tag(&c) == DW_TAG_unspecified_parameters)
			s->varargs = 1;
		else if (dwarf_tag(&c) == DW_TAG_formal_parameter && s->n < 64)
			s->p[s->n++] = c;
	} while (dwarf_siblingof(&c, &c) == 0);
}

/* How the signature of FA changed in FB, into WHY ("" if it did not). */
static void cmp_signature(Dwarf_Die *fa, Dwarf_Die *fb, struct strbuf *why)
{
	struct sig *a = malloc(sizeof(*a)), *b = malloc(sizeof(*b));
	Dwarf_Die ra, rb, ta, tb;

	if (!a || !b)
		goto out;
	signature(fa, a);
	signature(fb, b);
	for (int i = -1; i < a->n && i < b->n && !why->len; i++) {
		struct typecmp c = { 0 };
		char place[300];
		const char *pn = i >= 0 ? dwarf_diename(&b->p[i]) : NULL;

		if (i < 0)
			snprintf(place, sizeof(place), "its return type");
		else if (pn)
			snprintf(place, sizeof(place), "parameter %d '%s'", i + 1, pn);
		else
			snprintf(place, sizeof(place), "parameter %d", i + 1);
		if (i < 0)
			typecmp(&c, die_type(fa, &ra) ? NULL : &ra,
				die_type(fb, &rb) ? NULL : &rb, place);
		else
			typecmp(&c, die_type(&a->p[i], &ta) ? NULL : &ta,
				die_type(&b->p[i], &tb) ? NULL : &tb, place);
		/* Inside a struct passed by value, say which parameter. */
		if (c.n && *sb_str(&c.owner))
			sb_printf(why, "%s: type '%s' changed its layout: %s", place,
				  sb_str(&c.owner), sb_str(&c.what));
		else if (c.n)
			sb_puts(why, sb_str(&c.what));
		typecmp_free(&c);
	}
	if (!why->len && a->n != b->n)
		sb_printf(why, "its parameter count changed from %d to %d", a->n, b->n);
	if (!why->len && a->varargs != b->varargs)
		sb_printf(why, "it %s a variable argument list",
			  b->varargs ? "now takes" : "no longer takes");
out:
	free(a);
	free(b);
}

int gen_types_funcs(struct gen *g, struct gen_pair *pr)
{
	const struct gobj *o = pr->new, *old = pr->old;
	struct dwobj *dold = NULL, *dnew = NULL;
	int rc = 0;

	for (size_t i = 1; i < o->nsyms && !rc; i++) {
		const struct gsym *s = &o->syms[i];
		struct strbuf why = { 0 };
		Dwarf_Die fa, fb;

		if (pr->decision[i] != GEN_REPLACE)
			continue;
		if (!dold) {
			dold = dwobj_open(old->path);
			dnew = dold ? dwobj_open(o->path) : NULL;
			if (!dnew)
				break;  /* gen_types_vars() warned */
		}
		if (dwobj_func(dold, (size_t)s->match, old->syms[s->match].name, &fa) ||
		    dwobj_func(dnew, i, s->name, &fb))
			continue;
		cmp_signature(&fa, &fb, &why);
		if (why.len)
			rc = gen_sigchange(g, pr, i, sb_str(&why));
		sb_free(&why);
	}
	dwobj_close(dold);
	dwobj_close(dnew);
	return rc;
}

/* ---- the refusal ------------------------------------------------------------- */

int gen_types_refuse(struct gen *g)
{
	struct gen_types *t = g->types;
	const struct tchange *c;
	char more[128] = "", others[160] = "", wrote[1200] = "";

	if (!t || !t->nch)
		return 0;
	if (g->stats->xform_vars) {
		/* gen_transformer_write() wrote the file. */
		unsigned nt = g->stats->xform_todo;

		snprintf(wrote, sizeof(wrote), "; wrote %s: fill its %u NONSTOP-TODO "
			 "placeholder%s and add it to the new build",
			 g->opts->emit_transformer, nt, nt == 1 ? "" : "s");
	} else {
		snprintf(wrote, sizeof(wrote), " (build --emit-transformer FILE writes one)");
	}
	c = &t->ch[0];
	if (c->more)
		snprintf(more, sizeof(more), " (and %u more change%s)", c->more,
			 c->more == 1 ? "" : "s");
	if (t->nch > 1)
		snprintf(others, sizeof(others), "; %zu other type change%s", t->nch - 1,
			 t->nch == 2 ? "" : "s");
	if (*c->type)
		return gen_fail(g, "refusing: type '%s' changed its layout: %s%s; used by "
				"%s%s: live data cannot be read with the new layout without "
				"a state transformer (NONSTOP_TRANSFORM)%s",
				c->type, c->what, more, sb_str(&c->vars), others, wrote);
	return gen_fail(g, "refusing: %s%s%s: live data cannot be read with the new "
			"type without a state transformer (NONSTOP_TRANSFORM)%s",
			c->what, more, others, wrote);
}
