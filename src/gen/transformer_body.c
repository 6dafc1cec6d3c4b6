/* transformer_body.c — the C of one transformer (transformer_body.h). What
 * kept its name and its type is copied — members by name wherever they
 * moved, array elements up to the smaller bound, recursively — and a marked
 * placeholder (NONSTOP-TODO, a comment: the function compiles as it is) is
 * left for everything else: new fields, fields whose type changed, fields
 * that are gone, new array elements. */
#include <dwarf.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "gen/ctype.h"
#include "gen/die.h"
#include "gen/transformer_body.h"
#include "gen/typecmp.h"

#define DEPTH_MAX 32

/* One direction of one variable: copies the source into the destination,
 * whose types are spelled as DDEFS says; REVERSE for the untransformer
 * (new to old). */
struct xctx {
	struct strbuf     *out;
	unsigned          *ntodo;
	struct ctype_defs *ddefs;
	int                reverse;
	int                loops;   /* loop variables in use */
};

static void ind(struct xctx *c, int depth)
{
	for (int i = 0; i < depth; i++)
		sb_puts(c->out, "\t");
}

static void todo(struct xctx *c, int depth, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void todo(struct xctx *c, int depth, const char *fmt, ...)
{
	char tmp[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	/* A comment must not end early. */
	for (char *p = tmp; (p = strstr(p, "*/")); )
		p[1] = ' ';
	ind(c, depth);
	sb_printf(c->out, "/* NONSTOP-TODO: %s */\n", tmp);
	(*c->ntodo)++;
}

static void tname(struct strbuf *out, Dwarf_Die *t)
{
	ctype_name(out, t);
}

/* The placeholder for SRC (type ST) that cannot be copied into DST (type
 * DT): a SCALAR one hints at an assignment, else at a conversion. */
static void todo_retyped(struct xctx *c, int depth, const char *label,
			 const char *dst, const char *src, Dwarf_Die *dt,
			 Dwarf_Die *st, bool scalar)
{
	struct strbuf a = { 0 }, b = { 0 };

	tname(&a, st);
	tname(&b, dt);
	todo(c, depth, scalar ? "%s changed type from '%s' to '%s': convert it (%s = %s;?)"
			      : "%s changed type from '%s' to '%s': convert it (%s from %s)",
	     label, sb_str(&a), sb_str(&b), dst, src);
	sb_free(&a);
	sb_free(&b);
}

static void copy(struct xctx *c, const char *dst, const char *src, Dwarf_Die *dt,
		 Dwarf_Die *st, const char *label, int depth);

/* "field 'x'" of a member (or of an anonymous one). */
static void mlabel(char *buf, size_t len, Dwarf_Die *m)
{
	const char *n = dwarf_diename(m);

	snprintf(buf, len, n ? "field '%s'" : "an anonymous member", n);
}

static int member_at(Dwarf_Die *t, Dwarf_Die *want, Dwarf_Die *found)
{
	const char *name = dwarf_diename(want);
	Dwarf_Die m;

	if (!name || dwarf_child(t, &m) != 0)
		return -1;
	do {
		const char *n = dwarf_diename(&m);

		if (dwarf_tag(&m) == DW_TAG_member && n && !strcmp(n, name)) {
			*found = m;
			return 0;
		}
	} while (dwarf_siblingof(&m, &m) == 0);
	return -1;
}

/* The N-th anonymous member of T. */
static int anon_member(Dwarf_Die *t, int n, Dwarf_Die *found)
{
	Dwarf_Die m;
	int k = 0;

	if (dwarf_child(t, &m) != 0)
		return -1;
	do {
		if (dwarf_tag(&m) == DW_TAG_member && !dwarf_diename(&m) && k++ == n) {
			*found = m;
			return 0;
		}
	} while (dwarf_siblingof(&m, &m) == 0);
	return -1;
}

static void copy_struct(struct xctx *c, const char *dst, const char *src,
			Dwarf_Die *dt, Dwarf_Die *st, int depth)
{
	Dwarf_Die m, om;
	int nanon = 0;
	const char *sep = ".";

	if (dwarf_child(dt, &m) == 0)
		do {
			char d[1024], s[1024], lab[300];
			Dwarf_Die mt, omt;
			uint64_t doff, dbits, soff, sbits;
			struct strbuf tn = { 0 };
			const char *n = dwarf_diename(&m);

			if (dwarf_tag(&m) != DW_TAG_member)
				continue;
			mlabel(lab, sizeof(lab), &m);
			if (!n) {
				/* An anonymous struct or union: its fields are
				 * the parent's. */
				if (anon_member(st, nanon++, &om) ||
				    die_type(&m, &mt) || die_type(&om, &omt)) {
					todo(c, depth, "an anonymous member of the %s type has "
					     "no counterpart: set its fields", c->reverse ?
					     "old" : "new");
					continue;
				}
				if (dwarf_tag(&mt) == DW_TAG_structure_type &&
				    dwarf_tag(&omt) == DW_TAG_structure_type) {
					copy_struct(c, dst, src, &mt, &omt, depth);
				} else if (typecmp_same(&mt, &omt) &&
					   !die_member_bits(&m, &doff, &dbits) &&
					   !die_member_bits(&om, &soff, &sbits)) {
					ind(c, depth);
					sb_printf(c->out, "__builtin_memcpy((char *)&%s + %" PRIu64
						  ", (const char *)&%s + %" PRIu64 ", %" PRId64 ");\n",
						  dst, doff / 8, src, soff / 8, die_size(&mt));
				} else {
					todo(c, depth, "an anonymous union changed: set its fields");
				}
				continue;
			}
			snprintf(d, sizeof(d), "%s%s%s", dst, sep, n);
			ctype_name(&tn, die_type(&m, &mt) ? NULL : &mt);
			if (member_at(st, &m, &om)) {
				die_member_bits(&m, &doff, &dbits);
				if (c->reverse)
					todo(c, depth, "field '%s' (%s) of the old type is not "
					     "in the new one: set it (%s)", n, sb_str(&tn), d);
				else
					todo(c, depth, "new field '%s' (%s): set it (%s)", n,
					     sb_str(&tn), d);
				sb_free(&tn);
				continue;
			}
			snprintf(s, sizeof(s), "%s%s%s", src, sep, n);
			die_member_bits(&m, &doff, &dbits);
			die_member_bits(&om, &soff, &sbits);
			if (dbits != sbits) {
				todo(c, depth, "field '%s' is now %" PRIu64 " bits wide, was %"
				     PRIu64 ": convert it (%s = %s;?)", n, dbits, sbits, d, s);
				sb_free(&tn);
				continue;
			}
			sb_free(&tn);
			copy(c, d, s, die_type(&m, &mt) ? NULL : &mt,
			     die_type(&om, &omt) ? NULL : &omt, lab, depth);
		} while (dwarf_siblingof(&m, &m) == 0);
	/* What the source has and the destination lost. */
	if (dwarf_child(st, &om) == 0)
		do {
			Dwarf_Die omt;
			struct strbuf tn = { 0 };
			const char *n = dwarf_diename(&om);

			if (dwarf_tag(&om) != DW_TAG_member || !n || !member_at(dt, &om, &m))
				continue;
			ctype_name(&tn, die_type(&om, &omt) ? NULL : &omt);
			todo(c, depth, "field '%s' (%s) is gone from the %s type: use %s%s%s "
			     "or drop this line", n, sb_str(&tn), c->reverse ? "old" : "new",
			     src, sep, n);
			sb_free(&tn);
		} while (dwarf_siblingof(&om, &om) == 0);
}

static void copy_array(struct xctx *c, const char *dst, const char *src,
		       Dwarf_Die *dt, Dwarf_Die *st, const char *label, int depth)
{
	int64_t dd[16], sd[16];
	int n = die_array_dims(dt, dd, 16), m = die_array_dims(st, sd, 16);
	char d[1024], s[1024], dim[32] = "";
	size_t dlen[16], slen[16];  /* d and s before dimension k */
	Dwarf_Die de, se;
	int first = c->loops, open = 0;

	snprintf(d, sizeof(d), "%s", dst);
	snprintf(s, sizeof(s), "%s", src);
	if (n != m || !n || die_type(dt, &de) || die_type(st, &se)) {
		todo_retyped(c, depth, label, dst, src, dt, st, false);
		return;
	}
	/* The loops first, the copy inside; what one dimension adds or drops
	 * is said after its loop (so that what fills it comes last). */
	for (int k = 0; k < n; k++) {
		int64_t lo = dd[k] < sd[k] ? dd[k] : sd[k];

		if (dd[k] < 0 || sd[k] < 0) {
			todo(c, depth + k, "%s has an unknown bound: copy its elements", label);
			break;
		}
		dlen[k] = strlen(d);
		slen[k] = strlen(s);
		ind(c, depth + k);
		sb_printf(c->out, "for (unsigned long i%d = 0; i%d < %" PRId64 "; i%d++) {\n",
			  c->loops, c->loops, lo, c->loops);
		snprintf(d + strlen(d), sizeof(d) - strlen(d), "[i%d]", c->loops);
		snprintf(s + strlen(s), sizeof(s) - strlen(s), "[i%d]", c->loops);
		c->loops++;
		open++;
	}
	if (open == n)
		copy(c, d, s, &de, &se, label, depth + n);
	for (int k = open - 1; k >= 0; k--) {
		ind(c, depth + k);
		sb_puts(c->out, "}\n");
		d[dlen[k]] = '\0';
		s[slen[k]] = '\0';
		if (n > 1)
			snprintf(dim, sizeof(dim), " (dimension %d)", k + 1);
		if (dd[k] > sd[k])
			todo(c, depth + k, "elements %" PRId64 "..%" PRId64 " of %s%s are new: "
			     "set them (%s[%" PRId64 "] to %s[%" PRId64 "])", sd[k], dd[k] - 1,
			     label, dim, d, sd[k], d, dd[k] - 1);
		else if (dd[k] < sd[k])
			todo(c, depth + k, "elements %" PRId64 "..%" PRId64 " of %s%s do not fit "
			     "in the %s type: use them (%s[%" PRId64 "] to %s[%" PRId64 "]) or "
			     "drop this line", dd[k], sd[k] - 1, label, dim,
			     c->reverse ? "old" : "new", s, dd[k], s, sd[k] - 1);
	}
	c->loops = first;
}

/* Copies SRC (type ST) into DST (type DT), or leaves a placeholder. */
static void copy(struct xctx *c, const char *dst, const char *src, Dwarf_Die *dt,
		 Dwarf_Die *st, const char *label, int depth)
{
	Dwarf_Die d, s;
	int tag;

	if (depth > DEPTH_MAX) {
		todo(c, depth, "%s nests too deep: copy it", label);
		return;
	}
	if (!dt || !st) {
		todo(c, depth, "%s has no type: set it (%s)", label, dst);
		return;
	}
	die_strip(dt, &d);
	die_strip(st, &s);
	tag = dwarf_tag(&d);
	if (tag != dwarf_tag(&s) || (die_is_aggregate(tag) && !typecmp_same(&d, &s) &&
				     (tag != DW_TAG_structure_type ||
				      strcmp(dwarf_diename(&d) ? dwarf_diename(&d) : "",
					     dwarf_diename(&s) ? dwarf_diename(&s) : "")))) {
		todo_retyped(c, depth, label, dst, src, dt, st, false);
		return;
	}
	switch (tag) {
	case DW_TAG_structure_type:
	case DW_TAG_class_type:
		copy_struct(c, dst, src, &d, &s, depth);
		return;
	case DW_TAG_union_type:
		/* The same union (checked above): its bytes. */
		ind(c, depth);
		sb_printf(c->out, "__builtin_memcpy(&%s, &%s, sizeof(%s));\n", dst, src, dst);
		return;
	case DW_TAG_array_type:
		copy_array(c, dst, src, &d, &s, label, depth);
		return;
	default:
		break;
	}
	if (!typecmp_same(&d, &s)) {
		todo_retyped(c, depth, label, dst, src, dt, st, true);
		return;
	}
	ind(c, depth);
	if (tag == DW_TAG_enumeration_type) {
		/* Two enum types of this file: the same values (checked). */
		struct strbuf cast = { 0 };

		ctype_decl(c->ddefs, &cast, dt, "");
		sb_printf(c->out, "%s = (%s)%s;\n", dst, sb_str(&cast), src);
		sb_free(&cast);
		return;
	}
	sb_printf(c->out, "%s = %s;\n", dst, src);
}

void transformer_body(const struct transformer_out *t, const char *id,
		      const char *name, Dwarf_Die *ta, Dwarf_Die *tb, int reverse)
{
	struct strbuf *out = t->out;
	struct xctx c = { .out = out, .ntodo = t->ntodo, .reverse = reverse,
			  .ddefs = reverse ? t->dold : t->dnew };
	const char *fn = reverse ? "untransform" : "transform";
	char label[300];

	snprintf(label, sizeof(label), "'%s'", name);
	sb_printf(out, "void nonstop_%s_%s(const void *%s, void *%s);\n", fn, id,
		  reverse ? "new" : "old", reverse ? "old" : "new");
	sb_printf(out, "void nonstop_%s_%s(const void *%s, void *%s)\n{\n", fn, id,
		  reverse ? "new" : "old", reverse ? "old" : "new");
	/* Only what is read is const. */
	sb_printf(out, "\t%snonstop_old_%s_t *o = old;\n", reverse ? "" : "const ", id);
	sb_printf(out, "\t%snonstop_new_%s_t *n = new;\n\n", reverse ? "const " : "", id);
	if (reverse)
		copy(&c, "(*o)", "(*n)", ta, tb, label, 1);
	else
		copy(&c, "(*n)", "(*o)", tb, ta, label, 1);
	sb_puts(out, "\t(void)o;\n\t(void)n;\n}\n\n");
}
