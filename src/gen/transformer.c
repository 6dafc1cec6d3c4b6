/* transformer.c — the file `nonstop build --emit-transformer FILE` writes
 * (types.h): the old and the new types of every variable whose type changed,
 * written out from DWARF under the prefixes old_ and new_ (ctype.h), and for
 * each variable a transformer nonstop_transform_ID(old, new) that copies
 * what kept its name and its type — members by name wherever they moved,
 * array elements up to the smaller bound, recursively — and leaves a marked
 * placeholder (NONSTOP-TODO) for everything else: new fields, fields whose
 * type changed, fields that are gone, new array elements. The reverse,
 * nonstop_untransform_ID(new, old), is written the same way for revert.
 * The file compiles as it is; the placeholders are comments. It is
 * written to a new file beside FILE (O_EXCL, mode 0600) renamed over FILE:
 * a symlink at FILE is replaced, never followed. */
#include <dwarf.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gen/ctype.h"
#include "gen/die.h"
#include "util/strbuf.h"
#include "gen/types.h"

#define DEPTH_MAX 32

struct gen_xfile {
	struct strbuf      fwd, olds, news, funcs, usage;
	struct ctype_names done;
	struct ctype_defs  dold, dnew;
	unsigned           nvars, ntodo;
};

struct gen_xfile *gen_xfile_new(void)
{
	struct gen_xfile *x = calloc(1, sizeof(*x));

	if (!x)
		return NULL;
	x->dold = (struct ctype_defs){ &x->olds, "old_", &x->done, &x->fwd };
	x->dnew = (struct ctype_defs){ &x->news, "new_", &x->done, &x->fwd };
	return x;
}

void gen_xfile_free(struct gen_xfile *x)
{
	if (!x)
		return;
	sb_free(&x->fwd);
	sb_free(&x->olds);
	sb_free(&x->news);
	sb_free(&x->funcs);
	sb_free(&x->usage);
	ctype_names_free(&x->done);
	free(x);
}

/* One direction of one variable: copies SRC (of type as in SDEFS) into DST
 * (DDEFS); REVERSE for the untransformer (new to old). */
struct xctx {
	struct gen_xfile  *x;
	struct strbuf     *out;
	struct ctype_defs *sdefs, *ddefs;
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
	c->x->ntodo++;
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
				} else if (gen_types_same(&mt, &omt) &&
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
	if (tag != dwarf_tag(&s) || (die_is_aggregate(tag) && !gen_types_same(&d, &s) &&
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
	if (!gen_types_same(&d, &s)) {
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

static void function(struct gen_xfile *x, const char *id, const char *name,
		     Dwarf_Die *ta, Dwarf_Die *tb, int reverse)
{
	struct strbuf *out = &x->funcs;
	struct xctx c = { .x = x, .out = out, .reverse = reverse,
			  .sdefs = reverse ? &x->dnew : &x->dold,
			  .ddefs = reverse ? &x->dold : &x->dnew };
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

void gen_xfile_var(struct gen_xfile *x, const char *name, const char *id,
		   const char *where, Dwarf_Die *old_type, Dwarf_Die *new_type)
{
	struct strbuf ot = { 0 }, nt = { 0 };
	char tdo[400], tdn[400];

	ctype_define(&x->dold, old_type);
	ctype_define(&x->dnew, new_type);
	snprintf(tdo, sizeof(tdo), "nonstop_old_%s_t", id);
	snprintf(tdn, sizeof(tdn), "nonstop_new_%s_t", id);
	ctype_name(&ot, old_type);
	ctype_name(&nt, new_type);
	sb_printf(&x->funcs, "/* '%s' (%s): %s -> %s */\ntypedef ", name, where,
		  sb_str(&ot), sb_str(&nt));
	ctype_decl(&x->dold, &x->funcs, old_type, tdo);
	sb_puts(&x->funcs, ";\ntypedef ");
	ctype_decl(&x->dnew, &x->funcs, new_type, tdn);
	sb_puts(&x->funcs, ";\n\n");
	function(x, id, name, old_type, new_type, 0);
	function(x, id, name, old_type, new_type, 1);
	if (!strncmp(where, "function ", 9))
		sb_printf(&x->usage, " * In %s, after the declaration of the static '%s':\n",
			  where + 9, name);
	else
		sb_printf(&x->usage, " * In %s, after the definition of '%s':\n", where, name);
	sb_printf(&x->usage, " *     NONSTOP_TRANSFORM(%s, nonstop_transform_%s);\n", name, id);
	sb_printf(&x->usage, " *     NONSTOP_UNTRANSFORM(%s, nonstop_untransform_%s);"
		  "  (optional: lets revert run)\n", name, id);
	x->nvars++;
	sb_free(&ot);
	sb_free(&nt);
}

static const char head[] =
"/* Generated by `nonstop build --emit-transformer`: state transformers for\n"
" * the variables whose type changed between the two builds.\n"
" *\n"
" * Each nonstop_transform_VAR(old, new) copies into the new variable the\n"
" * fields of the old one that kept their name and their type. Every\n"
" * NONSTOP-TODO marks what nonstop cannot decide (a new field, a changed\n"
" * type, a field that is gone): fill it in. Then add this file to the new\n"
" * build and register each transformer where its variable is visible, with\n"
" * #include \"nonstop.h\" (see the end of this file), and build the patch.\n"
" *\n"
" * A transformer runs inside the process during the stop of `nonstop apply`\n"
" * (every thread stopped, none in a function that uses the variable): OLD\n"
" * is the live variable, NEW the one the patch brings, which holds the new\n"
" * build's initial value. It must not take locks or allocate memory.\n"
" * nonstop_untransform_VAR(new, old) does the reverse, for `nonstop revert`.\n"
" *\n"
" * The types are the program's, as its DWARF describes them, renamed old_\n"
" * and new_; what a pointer points to keeps its name (pointers are copied\n"
" * as they are). */\n\n";

/* A new file beside PATH (same directory, so that rename() replaces PATH
 * in one step), created O_EXCL with mode 0600 under a random name: nonstop
 * may run as root, and PATH may be a symlink someone planted, which must
 * be replaced, never followed. Its name in *TMP; NULL with errno set. */
static FILE *create_beside(const char *path, char **tmp)
{
	char *d = strdup(path), *b = strdup(path);
	FILE *f = NULL;
	int fd = -1;

	*tmp = NULL;
	if (!d || !b || asprintf(tmp, "%s/.%s.XXXXXX", dirname(d), basename(b)) < 0) {
		*tmp = NULL;
		errno = ENOMEM;
	} else if ((fd = mkostemp(*tmp, O_CLOEXEC)) >= 0 && !(f = fdopen(fd, "w"))) {
		close(fd);
		unlink(*tmp);
	}
	if (!f) {
		free(*tmp);
		*tmp = NULL;
	}
	free(d);
	free(b);
	return f;
}

int gen_xfile_write(struct gen_xfile *x, const char *path, unsigned *nvars,
		    unsigned *ntodo, char *err, size_t errlen)
{
	char *tmp;
	FILE *f;
	int bad;

	if (sb_failed(&x->fwd) || sb_failed(&x->olds) || sb_failed(&x->news) ||
	    sb_failed(&x->funcs) || sb_failed(&x->usage) || x->done.oom) {
		snprintf(err, errlen, "%s: out of memory", path);
		return -1;
	}
	if (!(f = create_beside(path, &tmp))) {
		snprintf(err, errlen, "%s: cannot create a file beside it: %s", path,
			 strerror(errno));
		return -1;
	}
	fputs(head, f);
	if (x->fwd.len)
		fprintf(f, "/* Types reached through pointers. */\n%s\n", sb_str(&x->fwd));
	fprintf(f, "/* ---- the old types ---- */\n\n%s", sb_str(&x->olds));
	fprintf(f, "/* ---- the new types ---- */\n\n%s", sb_str(&x->news));
	fprintf(f, "/* ---- the transformers ---- */\n\n%s", sb_str(&x->funcs));
	fprintf(f, "/* Registration:\n%s */\n", sb_str(&x->usage));
	bad = ferror(f);
	if (fclose(f) || bad) {
		snprintf(err, errlen, "%s: write error", tmp);
		goto fail;
	}
	if (rename(tmp, path)) {
		snprintf(err, errlen, "%s: cannot replace it: %s", path, strerror(errno));
		goto fail;
	}
	free(tmp);
	*nvars = x->nvars;
	*ntodo = x->ntodo;
	return 0;
fail:
	unlink(tmp);
	free(tmp);
	return -1;
}
