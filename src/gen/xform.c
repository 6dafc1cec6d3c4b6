/* xform.c — the state transformers of the new build (xform.h). A record
 * is struct nonstop__transform { var, fn, kind }: 24 bytes whose first two
 * words are R_X86_64_64 relocations, to the variable (a symbol, or for a
 * static its section + offset) and to the function. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "elf/elf_util.h"
#include "gen/xform.h"
#include "patch/patch_format.h"

#define RECORD_SIZE 24
#define R_X86_64_64 1
#define REFER_DEPTH 4   /* anonymous sections referring to others */

void gen_xform_free(struct gen_xforms *x)
{
	for (size_t i = 0; i < x->n; i++) {
		free(x->v[i].obj);
		free(x->v[i].var);
		free(x->v[i].fn);
	}
	free(x->v);
	memset(x, 0, sizeof(*x));
}

static size_t record_sec(const struct gobj *o)
{
	for (size_t i = 1; i < o->nsecs; i++)
		if (!strcmp(o->secs[i].name, GEN_XFORM_SECTION))
			return i;
	return 0;
}

/* The symbol a relocation of a record names: itself if named, the named
 * symbol at section + addend for a section symbol (0 if none). */
static size_t named_target(const struct gobj *o, const GElf_Rela *r)
{
	size_t sym = GELF_R_SYM(r->r_info);
	const struct gsym *s = &o->syms[sym];
	long k;

	if (s->type != STT_SECTION)
		return sym;
	k = gobj_sym_at(o, s->s.st_shndx, (uint64_t)r->r_addend);
	return k > 0 && o->syms[k].s.st_value == (uint64_t)r->r_addend ? (size_t)k : 0;
}

static const GElf_Rela *rela_at(const struct gsec *s, uint64_t off)
{
	for (size_t i = 0; i < s->nrels; i++)
		if (s->rels[i].r_offset == off)
			return &s->rels[i];
	return NULL;
}

static int add_record(struct gen *g, const struct gobj *o, size_t sec, uint64_t off)
{
	const struct gsec *s = &o->secs[sec];
	const GElf_Rela *rv = rela_at(s, off), *rf = rela_at(s, off + 8);
	struct gen_xforms *x = g->xforms;
	struct gen_xrec *rec, *v;
	size_t vs, fs;
	uint64_t kind;

	if (!rv || !rf || GELF_R_TYPE(rv->r_info) != R_X86_64_64 ||
	    GELF_R_TYPE(rf->r_info) != R_X86_64_64 || !s->data)
		return gen_fail(g, "%s: %s+%#lx is not a NONSTOP_TRANSFORM record", o->rel,
				GEN_XFORM_SECTION, (unsigned long)off);
	memcpy(&kind, s->data + off + 16, 8);
	vs = named_target(o, rv);
	fs = named_target(o, rf);
	if ((kind != GEN_XFORM_APPLY && kind != GEN_XFORM_REVERT) || !vs || !fs ||
	    rf->r_addend != 0 || (o->syms[vs].type == STT_SECTION) ||
	    (o->syms[vs].s.st_shndx != SHN_UNDEF && o->syms[vs].type != STT_OBJECT &&
	     o->syms[vs].type != STT_TLS))
		return gen_fail(g, "%s: %s+%#lx: a NONSTOP_TRANSFORM record must name a "
				"variable and a function", o->rel, GEN_XFORM_SECTION,
				(unsigned long)off);
	if (o->syms[vs].type == STT_TLS)
		return gen_fail(g, "refusing: %s: thread-local variable '%s' cannot be "
				"transformed (not supported)", o->rel, o->syms[vs].name);
	v = realloc(x->v, (x->n + 1) * sizeof(*v));
	if (!v)
		return gen_fail(g, "out of memory");
	x->v = v;
	rec = &x->v[x->n];
	memset(rec, 0, sizeof(*rec));
	rec->obj = strdup(o->rel);
	rec->var = strdup(o->syms[vs].name);
	rec->fn = strdup(o->syms[fs].name);
	x->n++;
	if (!rec->obj || !rec->var || !rec->fn)
		return gen_fail(g, "out of memory");
	rec->var_local = o->syms[vs].bind == STB_LOCAL;
	rec->var_sym = o->syms[vs].s.st_shndx != SHN_UNDEF ? vs : 0;
	rec->fn_sym = o->syms[fs].s.st_shndx != SHN_UNDEF ? fs : 0;
	rec->kind = (uint32_t)kind;
	return 0;
}

/* Two records of one kind for one variable: which would run? */
static int check_duplicates(struct gen *g)
{
	const struct gen_xforms *x = g->xforms;

	for (size_t i = 0; i < x->n; i++)
		for (size_t k = i + 1; k < x->n; k++) {
			const struct gen_xrec *a = &x->v[i], *b = &x->v[k];
			int same = a->kind == b->kind && !strcmp(a->var, b->var) &&
				(a->var_local ? b->var_local && !strcmp(a->obj, b->obj)
					      : !b->var_local);

			if (same)
				return gen_fail(g, "refusing: variable '%s' has two %s "
						"(%s in %s, %s in %s)", a->var,
						a->kind == GEN_XFORM_APPLY ?
						"NONSTOP_TRANSFORM" : "NONSTOP_UNTRANSFORM",
						a->fn, a->obj, b->fn, b->obj);
		}
	return 0;
}

/* Whether the object at PATH has a records section: a look at its
 * section names, so that only those objects are loaded twice. Unreadable:
 * 1 (gobj_load says why). */
static int has_records(const char *path)
{
	struct ns_elf e;
	struct ns_err err = { 0 };
	int has;

	if (ns_elf_open(path, &e, &err))
		return 1;
	has = ns_elf_find_section(&e, GEN_XFORM_SECTION) != NULL;
	ns_elf_close(&e);
	return has;
}

int gen_xform_scan(struct gen *g, const char *new_dir, const struct gen_files *nf)
{
	for (size_t i = 0; i < nf->n; i++) {
		struct gobj o;
		char *path;
		size_t sec;
		int rc = 0;

		if (asprintf(&path, "%s/%s", new_dir, nf->rel[i]) < 0)
			return gen_fail(g, "out of memory");
		rc = has_records(path) ? gobj_load(g, path, nf->rel[i], &o) : 1;
		free(path);
		if (rc > 0)
			continue;
		if (rc) {
			gobj_free(&o);
			return -1;
		}
		sec = record_sec(&o);
		if (sec && o.secs[sec].sh.sh_size % RECORD_SIZE)
			rc = gen_fail(g, "%s: %s: %lu bytes, not a whole number of "
				      "records", o.rel, GEN_XFORM_SECTION,
				      (unsigned long)o.secs[sec].sh.sh_size);
		for (uint64_t off = 0; sec && !rc && off < o.secs[sec].sh.sh_size;
		     off += RECORD_SIZE)
			rc = add_record(g, &o, sec, off);
		gobj_free(&o);
		if (rc)
			return -1;
	}
	return check_duplicates(g);
}

const struct gen_xrec *gen_xform_for(const struct gen *g, const struct gobj *o,
				     size_t sym, uint32_t kind)
{
	const struct gsym *s = &o->syms[sym];

	for (size_t i = 0; g->xforms && i < g->xforms->n; i++) {
		const struct gen_xrec *r = &g->xforms->v[i];

		if (r->kind != kind || strcmp(r->var, s->name))
			continue;
		if (s->bind == STB_LOCAL ? r->var_local && !strcmp(r->obj, o->rel) &&
		    r->var_sym == sym : !r->var_local)
			return r;
	}
	return NULL;
}

int gen_xform_is_record(const struct gobj *o, size_t sym)
{
	size_t shndx = o->syms[sym].s.st_shndx;

	return shndx > 0 && shndx < o->nsecs &&
	       !strcmp(o->secs[shndx].name, GEN_XFORM_SECTION);
}

/* Whether a global named NAME is transformed (by a record of any object). */
static int global_transformed(const struct gen *g, const char *name)
{
	for (size_t i = 0; g->xforms && i < g->xforms->n; i++)
		if (!g->xforms->v[i].var_local && !strcmp(g->xforms->v[i].var, name))
			return 1;
	return 0;
}

static const char *refers(const struct gen *g, const struct gen_pair *pr,
			  size_t sec, int depth)
{
	const struct gobj *o = pr->new;
	const struct gsec *s = &o->secs[sec];

	if (depth > REFER_DEPTH)
		return NULL;
	for (size_t r = 0; r < s->nrels; r++) {
		size_t sym = GELF_R_SYM(s->rels[r].r_info);
		const struct gsym *t = &o->syms[sym];
		size_t tsec = t->s.st_shndx;
		long k = (long)sym;

		if (tsec == SHN_UNDEF) {
			if (t->bind != STB_LOCAL && *t->name && global_transformed(g, t->name))
				return t->name;
			continue;
		}
		if (tsec >= o->nsecs || tsec == sec)
			continue;
		if (t->type == STT_SECTION || !gobj_is_named_def(o, sym)) {
			int64_t off = s->rels[r].r_addend + (int64_t)t->s.st_value +
				(ns_reloc_is_pcrel((uint32_t)GELF_R_TYPE(s->rels[r].r_info)) ? 4 : 0);

			k = gobj_sym_at(o, tsec, off > 0 ? (uint64_t)off : 0);
		}
		if (k > 0 && pr->var[k] == GEN_VAR_TRANSFORMED)
			return o->syms[k].name;
		/* Through a table of the compiler's or a .cold piece (copied
		 * where used). */
		if ((k < 0 || gobj_is_copied(o, (size_t)k)) && o->secs[tsec].nrels) {
			const char *v = refers(g, pr, tsec, depth + 1);

			if (v)
				return v;
		}
	}
	return NULL;
}

const char *gen_xform_refers(const struct gen *g, const struct gen_pair *pr,
			     size_t sec)
{
	if (!g->xforms || !g->xforms->n)
		return NULL;
	return refers(g, pr, sec, 0);
}

int gen_xform_check_data(struct gen *g, const struct gen_pair *pr)
{
	const struct gobj *o = pr->new;

	if (!g->xforms || !g->xforms->n)
		return 0;
	for (size_t i = 1; i < o->nsyms; i++) {
		const struct gsym *s = &o->syms[i];
		const char *v;

		if (!gobj_is_named_def(o, i) || s->type != STT_OBJECT ||
		    pr->decision[i] != GEN_KEEP || gen_xform_is_record(o, i) ||
		    gobj_is_copied(o, i))
			continue;
		v = refers(g, pr, s->s.st_shndx, 0);
		if (v)
			return gen_fail(g, "refusing: variable '%s' in %s refers to '%s', "
					"which the patch transforms: it would go on "
					"pointing at the old '%s' (not supported)",
					s->name, o->rel, v, v);
	}
	return 0;
}

static int same_var(const struct ns_entry *a, const struct ns_entry *b)
{
	return !strcmp(a->name, b->name) &&
	       (a->file ? b->file && !strcmp(a->file, b->file) : !b->file);
}

int gen_xform_check_patch(struct gen *g, const struct ns_patch *p)
{
	for (size_t i = 0; i < p->nentries; i++) {
		const struct ns_entry *e = &p->entries[i];
		const struct ns_sym *s = &p->syms[e->sym];
		int has_var = 0;

		if (e->kind != NS_ENTRY_TRANSFORM && e->kind != NS_ENTRY_UNTRANSFORM)
			continue;
		if (s->kind != NS_SYM_DEFINED || s->type != STT_FUNC)
			return gen_fail(g, "refusing: the %s '%s' of '%s' (%s) is not code "
					"the patch brings (it must be a function of the "
					"new build that the old one does not have)",
					e->kind == NS_ENTRY_TRANSFORM ? "transformer" :
					"untransformer", s->name, e->name, e->object);
		for (size_t k = 0; k < p->nentries; k++)
			if (p->entries[k].kind == NS_ENTRY_XFORM_DATA &&
			    same_var(e, &p->entries[k]))
				has_var = 1;
		if (!has_var)
			return gen_fail(g, "refusing: '%s' has a%s (%s, %s) but is not a "
					"variable of the old build that the patch can "
					"move", e->name, e->kind == NS_ENTRY_TRANSFORM ?
					" NONSTOP_TRANSFORM" : " NONSTOP_UNTRANSFORM",
					s->name, e->object);
	}
	for (size_t i = 0; i < p->nentries; i++) {
		const struct ns_entry *e = &p->entries[i];
		int has_fn = 0;

		if (e->kind != NS_ENTRY_XFORM_DATA)
			continue;
		for (size_t k = 0; k < p->nentries; k++)
			if (p->entries[k].kind == NS_ENTRY_TRANSFORM && same_var(e, &p->entries[k]))
				has_fn = 1;
		if (!has_fn)
			return gen_fail(g, "refusing: '%s' has a NONSTOP_UNTRANSFORM but no "
					"NONSTOP_TRANSFORM", e->name);
	}
	return 0;
}
