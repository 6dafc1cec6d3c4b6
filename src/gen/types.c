/* types.c — compares, with libdw, the DWARF types of the variables two
 * builds share and the signatures of the functions a patch replaces
 * (types.h). The comparison walks both types together and keeps the first
 * difference, described for a human: the innermost named type holding it
 * ("struct item"), the member and how it changed ("field 'b' moved from
 * offset 4 to 8"), and how many more differences there are. Changes found in
 * every object pair are gathered, merged by type, and refused once at the
 * end, naming every variable that uses the type. A variable the new build
 * gives a transformer for (xform.h) is not compared: it is marked
 * transformed, and the patch brings it anew. */
#include <dwarf.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gen/ctype.h"
#include "gen/die.h"
#include "gen/dwobj.h"
#include "util/strbuf.h"
#include "gen/types.h"
#include "gen/xform.h"

#define DEPTH_MAX 48

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
	struct gen_xfile *xfile;     /* --emit-transformer */
	struct ctype_names ids;      /* transformer names used */
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
	gen_xfile_free(t->xfile);
	ctype_names_free(&t->ids);
	free(t);
}

/* ---- structural comparison ------------------------------------------------- */

struct tcmp {
	struct strbuf owner;  /* of the first difference */
	struct strbuf what;
	unsigned      n;      /* differences found */
};

static void found(struct tcmp *c, const char *owner, const char *place,
		  const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static void found(struct tcmp *c, const char *owner, const char *place,
		  const char *fmt, ...)
{
	char tmp[768];
	va_list ap;

	if (c->n++)
		return;
	va_start(ap, fmt);
	vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	sb_puts(&c->owner, owner);
	if (*place)
		sb_printf(&c->what, "%s %s", place, tmp);
	else
		sb_puts(&c->what, tmp);
}

static void tcmp_free(struct tcmp *c)
{
	sb_free(&c->owner);
	sb_free(&c->what);
}

static const char *nn(const char *s)
{
	return s ? s : "";
}

static int same_str(const char *a, const char *b)
{
	return !strcmp(nn(a), nn(b));
}

/* "changed type from 'A' to 'B'". */
static void changed_type(struct tcmp *c, const char *owner, const char *place,
			 Dwarf_Die *a, Dwarf_Die *b)
{
	struct strbuf na = { 0 }, nb = { 0 };

	ctype_name(&na, a);
	ctype_name(&nb, b);
	found(c, owner, place, "changed type from '%s' to '%s'", sb_str(&na), sb_str(&nb));
	sb_free(&na);
	sb_free(&nb);
}

/* A and B compared by their C names alone. */
static void cmp_by_name(struct tcmp *c, const char *owner, const char *place,
			Dwarf_Die *a, Dwarf_Die *b)
{
	struct strbuf na = { 0 }, nb = { 0 };

	ctype_name(&na, a);
	ctype_name(&nb, b);
	if (strcmp(sb_str(&na), sb_str(&nb)))
		found(c, owner, place, "changed type from '%s' to '%s'", sb_str(&na),
		      sb_str(&nb));
	sb_free(&na);
	sb_free(&nb);
}

static int cmp(struct tcmp *c, Dwarf_Die *a, Dwarf_Die *b, const char *owner,
	       const char *place, int depth);

/* The members of struct/union T, in order. */
struct mlist {
	Dwarf_Die *m;
	size_t     n;
};

static int members(Dwarf_Die *t, struct mlist *l)
{
	Dwarf_Die c;
	size_t cap = 0;

	l->m = NULL;
	l->n = 0;
	if (dwarf_child(t, &c) != 0)
		return 0;
	do {
		if (dwarf_tag(&c) != DW_TAG_member)
			continue;
		if (l->n == cap) {
			Dwarf_Die *v;

			cap = cap ? cap * 2 : 16;
			v = realloc(l->m, cap * sizeof(*v));
			if (!v) {
				free(l->m);
				return -1;
			}
			l->m = v;
		}
		l->m[l->n++] = c;
	} while (dwarf_siblingof(&c, &c) == 0);
	return 0;
}

/* The member of L matching member M of the other side: same name, or for
 * an anonymous member the one with the same rank among anonymous ones. */
static long match_member(struct mlist *l, Dwarf_Die *m, struct mlist *ml, size_t mi)
{
	const char *name = dwarf_diename(m);
	size_t rank = 0, r = 0;

	if (name) {
		for (size_t i = 0; i < l->n; i++)
			if (same_str(dwarf_diename(&l->m[i]), name))
				return (long)i;
		return -1;
	}
	for (size_t i = 0; i < mi; i++)
		if (!dwarf_diename(&ml->m[i]))
			rank++;
	for (size_t i = 0; i < l->n; i++)
		if (!dwarf_diename(&l->m[i]) && r++ == rank)
			return (long)i;
	return -1;
}

static void member_place(char *buf, size_t len, Dwarf_Die *m)
{
	const char *n = dwarf_diename(m);

	if (n)
		snprintf(buf, len, "field '%s'", n);
	else
		snprintf(buf, len, "an anonymous %s member",
			 dwarf_tag(m) == DW_TAG_union_type ? "union" : "struct");
}

/* "offset 4 to 8" or, for bit-fields, "bit 3 to 4". */
static void moved(char *buf, size_t len, uint64_t from, uint64_t fbits, uint64_t to,
		  uint64_t tbits)
{
	if (!fbits && !tbits && from % 8 == 0 && to % 8 == 0)
		snprintf(buf, len, "offset %" PRIu64 " to %" PRIu64, from / 8, to / 8);
	else
		snprintf(buf, len, "bit %" PRIu64 " to %" PRIu64, from, to);
}

static void where_bits(char *buf, size_t len, uint64_t off, uint64_t bits)
{
	if (!bits && off % 8 == 0)
		snprintf(buf, len, "offset %" PRIu64, off / 8);
	else
		snprintf(buf, len, "bit %" PRIu64, off);
}

static void cmp_members(struct tcmp *c, Dwarf_Die *a, Dwarf_Die *b,
			const char *owner, int depth)
{
	struct mlist la, lb;

	if (members(a, &la))
		return;
	if (members(b, &lb)) {
		free(la.m);
		return;
	}
	for (size_t i = 0; i < la.n; i++) {
		Dwarf_Die *ma = &la.m[i], ta, tb;
		long j = match_member(&lb, ma, &la, i);
		uint64_t oa = 0, sa = 0, ob = 0, sb = 0;
		char place[300], wa[96];

		member_place(place, sizeof(place), ma);
		if (j < 0) {
			found(c, owner, place, "was removed");
			continue;
		}
		die_member_bits(ma, &oa, &sa);
		die_member_bits(&lb.m[j], &ob, &sb);
		if (oa != ob) {
			moved(wa, sizeof(wa), oa, sa, ob, sb);
			found(c, owner, place, "moved from %s", wa);
		}
		if (sa != sb)
			found(c, owner, place, "changed width from %" PRIu64 " to %" PRIu64 " bits",
			      sa, sb);
		cmp(c, die_type(ma, &ta) ? NULL : &ta,
		    die_type(&lb.m[j], &tb) ? NULL : &tb, owner, place, depth + 1);
	}
	for (size_t j = 0; j < lb.n; j++) {
		Dwarf_Die tb;
		uint64_t ob = 0, sb = 0;
		char place[300], wb[64];
		struct strbuf tn = { 0 };

		if (match_member(&la, &lb.m[j], &lb, j) >= 0)
			continue;
		member_place(place, sizeof(place), &lb.m[j]);
		die_member_bits(&lb.m[j], &ob, &sb);
		where_bits(wb, sizeof(wb), ob, sb);
		ctype_name(&tn, die_type(&lb.m[j], &tb) ? NULL : &tb);
		found(c, owner, "", "new %s (%s%s) at %s", place, sb_str(&tn),
		      sb ? " bit-field" : "", wb);
		sb_free(&tn);
	}
	free(la.m);
	free(lb.m);
}

static void cmp_enum(struct tcmp *c, Dwarf_Die *a, Dwarf_Die *b, const char *owner)
{
	Dwarf_Die ea, eb;

	if (dwarf_child(a, &ea) != 0)
		return;
	/* A new enumerator leaves the live values valid; a changed value
	 * changes what they mean. */
	do {
		Dwarf_Attribute x, y;
		Dwarf_Sword va, vb;

		if (dwarf_tag(&ea) != DW_TAG_enumerator || dwarf_child(b, &eb) != 0)
			continue;
		do {
			char place[300];

			if (dwarf_tag(&eb) != DW_TAG_enumerator ||
			    !same_str(dwarf_diename(&ea), dwarf_diename(&eb)))
				continue;
			if (!dwarf_attr(&ea, DW_AT_const_value, &x) ||
			    !dwarf_attr(&eb, DW_AT_const_value, &y) ||
			    dwarf_formsdata(&x, &va) || dwarf_formsdata(&y, &vb) || va == vb)
				break;
			snprintf(place, sizeof(place), "enumerator '%s'", nn(dwarf_diename(&ea)));
			found(c, owner, place, "changed value from %" PRId64 " to %" PRId64,
			      (int64_t)va, (int64_t)vb);
			break;
		} while (dwarf_siblingof(&eb, &eb) == 0);
	} while (dwarf_siblingof(&ea, &ea) == 0);
}

/* Compares types A and B (NULL: void) at PLACE ("" for the compared type
 * itself, else "field 'x'"), inside the named type OWNER ("" if none). */
static int cmp(struct tcmp *c, Dwarf_Die *a, Dwarf_Die *b, const char *owner,
	       const char *place, int depth)
{
	unsigned before = c->n;
	int ta = a ? dwarf_tag(a) : 0, tb = b ? dwarf_tag(b) : 0;
	Dwarf_Die na, nb;
	char own[300];

	if (depth > DEPTH_MAX || (!a && !b))
		return 0;
	if (!a || !b || ta != tb) {
		changed_type(c, owner, place, a, b);
		return 1;
	}
	switch (ta) {
	case DW_TAG_base_type:
		if (!same_str(dwarf_diename(a), dwarf_diename(b)) ||
		    die_udata(a, DW_AT_byte_size) != die_udata(b, DW_AT_byte_size) ||
		    die_udata(a, DW_AT_encoding) != die_udata(b, DW_AT_encoding))
			changed_type(c, owner, place, a, b);
		break;
	case DW_TAG_pointer_type:
		/* By the name of what it points to: the objects a pointer
		 * reaches are not this variable's. */
		cmp_by_name(c, owner, place, a, b);
		break;
	case DW_TAG_const_type:
	case DW_TAG_volatile_type:
	case DW_TAG_restrict_type:
	case DW_TAG_atomic_type:
		cmp(c, die_type(a, &na) ? NULL : &na, die_type(b, &nb) ? NULL : &nb,
		    owner, place, depth + 1);
		break;
	case DW_TAG_typedef:
		if (!same_str(dwarf_diename(a), dwarf_diename(b))) {
			changed_type(c, owner, place, a, b);
			break;
		}
		cmp(c, die_type(a, &na) ? NULL : &na, die_type(b, &nb) ? NULL : &nb,
		    nn(dwarf_diename(a)), place, depth + 1);
		break;
	case DW_TAG_array_type: {
		int64_t da[16], db[16];
		int n = die_array_dims(a, da, 16), m = die_array_dims(b, db, 16);

		/* The element type too: its changes are counted. */
		if (n != m || memcmp(da, db, (size_t)n * sizeof(*da)))
			changed_type(c, owner, place, a, b);
		cmp(c, die_type(a, &na) ? NULL : &na, die_type(b, &nb) ? NULL : &nb,
		    owner, place, depth + 1);
		break;
	}
	case DW_TAG_enumeration_type:
	case DW_TAG_structure_type:
	case DW_TAG_union_type:
	case DW_TAG_class_type: {
		const char *name = dwarf_diename(a);
		int64_t sa = die_udata(a, DW_AT_byte_size), sb = die_udata(b, DW_AT_byte_size);

		if (!same_str(name, dwarf_diename(b))) {
			changed_type(c, owner, place, a, b);
			break;
		}
		/* Incomplete on one side: all one can compare is the name. */
		if (dwarf_hasattr(a, DW_AT_declaration) || dwarf_hasattr(b, DW_AT_declaration))
			break;
		if (name) {
			snprintf(own, sizeof(own), "%s %s",
				 ta == DW_TAG_union_type ? "union" :
				 ta == DW_TAG_enumeration_type ? "enum" : "struct", name);
			owner = own;
		}
		if (ta == DW_TAG_enumeration_type)
			cmp_enum(c, a, b, owner);
		else
			cmp_members(c, a, b, owner, depth);
		if (sa != sb)
			found(c, owner, "", "its size changed from %" PRId64 " to %" PRId64 " bytes",
			      sa, sb);
		break;
	}
	default:
		/* Function types (behind a typedef) and the rest: by name. */
		cmp_by_name(c, owner, place, a, b);
		break;
	}
	return c->n != before;
}

int gen_types_same(Dwarf_Die *a, Dwarf_Die *b)
{
	struct tcmp c = { 0 };
	int diff = cmp(&c, a, b, "", "", 0);

	tcmp_free(&c);
	return !diff;
}

/* ---- variables --------------------------------------------------------------- */

static int is_data(const struct gsym *s)
{
	return s->type == STT_OBJECT || s->type == STT_TLS;
}

/* Records change C of the type of variable VAR; merged with an earlier
 * change of the same named type. */
static int record(struct gen *g, struct tcmp *c, const char *var)
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

/* A C identifier from the parts given, unique among the transformers. */
static void make_id(struct gen_types *t, char *buf, size_t len, const char *a,
		    const char *b)
{
	char base[256];
	size_t k = 0;

	snprintf(base, sizeof(base), "%s%s%s", a ? a : "", a ? "_" : "", b);
	for (char *p = base; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '_'))
			*p = '_';
	snprintf(buf, len, "%s", base);
	while (ctype_names_add(&t->ids, buf) == 0)
		snprintf(buf, len, "%s_%zu", base, ++k + 1);
}

/* The file a variable of O is defined in, for messages: its STT_FILE. */
static const char *src_of(const struct gobj *o)
{
	return *o->file ? o->file : o->rel;
}

static int emit_var(struct gen *g, const struct gen_pair *pr, size_t i,
		    Dwarf_Die *vnew, Dwarf_Die *ta, Dwarf_Die *tb)
{
	struct gen_types *t = g->types;
	const struct gobj *o = pr->new;
	const struct gsym *s = &o->syms[i];
	const char *name = dwarf_diename(vnew) ? dwarf_diename(vnew) : s->name;
	long owner = s->bind == STB_LOCAL ? gen_owner_of(o, i) : -1;
	char where[512], id[300], stem[256];
	int in_func = owner >= 0 && strcmp(name, s->name);  /* count.0, f.count */

	if (!t->xfile && !(t->xfile = gen_xfile_new()))
		return gen_fail(g, "out of memory");
	if (in_func) {
		snprintf(where, sizeof(where), "function %s in %s", o->syms[owner].name,
			 src_of(o));
		make_id(t, id, sizeof(id), o->syms[owner].name, name);
	} else {
		snprintf(where, sizeof(where), "%s", src_of(o));
		if (s->bind == STB_LOCAL) {
			snprintf(stem, sizeof(stem), "%s", src_of(o));
			if (strrchr(stem, '.'))
				*strrchr(stem, '.') = '\0';
			make_id(t, id, sizeof(id), strrchr(stem, '/') ? strrchr(stem, '/') + 1 : stem,
				name);
		} else {
			make_id(t, id, sizeof(id), NULL, name);
		}
	}
	gen_xfile_var(t->xfile, name, id, where, ta, tb);
	return 0;
}

static int check_var(struct gen *g, struct gen_pair *pr, struct dwobj *dold,
		     struct dwobj *dnew, size_t i)
{
	const struct gobj *o = pr->new, *old = pr->old;
	const struct gsym *s = &o->syms[i];
	Dwarf_Die vo, vn, ta, tb;
	struct tcmp c = { 0 };
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
	if (!cmp(&c, has_a ? &ta : NULL, has_b ? &tb : NULL, "", "", 0))
		goto out;
	pr->var[i] = GEN_VAR_CHANGED;
	name = dwarf_diename(&vn) ? dwarf_diename(&vn) : s->name;
	owner = s->bind == STB_LOCAL && strcmp(name, s->name) ? gen_owner_of(o, i) : -1;
	if (owner >= 0)
		snprintf(var, sizeof(var), "'%s' (static in %s, %s)", name,
			 o->syms[owner].name, src_of(o));
	else
		snprintf(var, sizeof(var), "'%s' (%s)", name, src_of(o));
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
	if (!rc && g->opts->emit_transformer)
		rc = emit_var(g, pr, i, &vn, has_a ? &ta : NULL, has_b ? &tb : NULL);
out:
	tcmp_free(&c);
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
		struct tcmp c = { 0 };
		char place[300];
		const char *pn = i >= 0 ? dwarf_diename(&b->p[i]) : NULL;

		if (i < 0)
			snprintf(place, sizeof(place), "its return type");
		else if (pn)
			snprintf(place, sizeof(place), "parameter %d '%s'", i + 1, pn);
		else
			snprintf(place, sizeof(place), "parameter %d", i + 1);
		if (i < 0)
			cmp(&c, die_type(fa, &ra) ? NULL : &ra,
			    die_type(fb, &rb) ? NULL : &rb, "", place, 0);
		else
			cmp(&c, die_type(&a->p[i], &ta) ? NULL : &ta,
			    die_type(&b->p[i], &tb) ? NULL : &tb, "", place, 0);
		/* Inside a struct passed by value, say which parameter. */
		if (c.n && *sb_str(&c.owner))
			sb_printf(why, "%s: type '%s' changed its layout: %s", place,
				  sb_str(&c.owner), sb_str(&c.what));
		else if (c.n)
			sb_puts(why, sb_str(&c.what));
		tcmp_free(&c);
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

int gen_types_funcs(struct gen *g, const struct gen_pair *pr)
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
			rc = gen_fail(g, "refusing: function '%s' (%s) changed its signature: "
				      "%s: callers the patch does not replace would pass the "
				      "old arguments or expect the old result",
				      old->syms[s->match].name, src_of(o), sb_str(&why));
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
	if (t->xfile && g->opts->emit_transformer) {
		char err[1024];
		unsigned nv = 0, nt = 0;

		if (gen_xfile_write(t->xfile, g->opts->emit_transformer, &nv, &nt,
				    err, sizeof(err)))
			return gen_fail(g, "%s", err);
		if (g->stats) {
			g->stats->xform_vars = nv;
			g->stats->xform_todo = nt;
		}
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
