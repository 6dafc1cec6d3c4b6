/* sigchange.c — a function of file scope (static, or a compiler clone of
 * one) whose signature changed between the builds: the new version becomes
 * a new function of the patch instead of a replacement of the old one.
 *
 * Why that is safe, and when it is not. A replacement redirects the old
 * function's entry, so every caller the patch leaves in place would enter
 * the new code with the old arguments. A new function is only entered by
 * the patch's own code; the old one stays in the process, untouched, for
 * whatever still runs it (a thread inside an old caller finishes with the
 * old pair). That holds when nothing but code the patch replaces can call
 * the old function:
 *
 *   - it is local to its object, so every direct call to it is in that
 *     object: each caller the new build has is replaced by the patch (one
 *     whose bytes did not change is replaced anyway, to call the new
 *     version: reason "reference changed");
 *   - the old build never takes its address (a pointer to it in data, or an
 *     address computed in code): a pointer stored in live memory would
 *     otherwise be called, by new code, with the new arguments.
 *
 * A global function may be called from other objects and other modules.
 * It becomes a new function too when the binary does not export it (no
 * other module can call it) and every other object of the old build calls
 * it directly, never taking its address: each such caller must then be
 * replaced by the patch, which the end of the run checks (gen_sigchange_
 * finish), naming one that is not. The patch's code then binds to the new
 * version by name (emit.c, gen_emit_bind_new). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "elf/elf_util.h"
#include "elf/symbols.h"
#include "gen/sigchange.h"
#include "gen/walk.h"
#include "patch/patch_format.h"

/* A function of another object that calls a global whose signature
 * changed: the patch must replace it. */
struct sigcall {
	char *callee, *caller, *file, *object;
};

struct gen_sigcalls {
	struct sigcall *v;
	size_t n, cap;
};

/* True if relocation R (of section SEC of O) refers to a byte of function
 * SYM: by the symbol itself, or by its section's symbol plus an offset
 * inside it (GNU as turns references to local symbols into those). */
static int refers_to(const struct gobj *o, const GElf_Rela *r, size_t sym)
{
	const struct gsym *f = &o->syms[sym], *t = &o->syms[GELF_R_SYM(r->r_info)];
	uint32_t type = (uint32_t)GELF_R_TYPE(r->r_info);
	int64_t at = r->r_addend + (ns_reloc_is_pcrel(type) ? 4 : 0);

	if (GELF_R_SYM(r->r_info) == sym)
		return 1;
	return t->type == STT_SECTION && t->s.st_shndx == f->s.st_shndx &&
	       at >= (int64_t)f->s.st_value &&
	       at < (int64_t)(f->s.st_value + f->s.st_size);
}

/* True if the field of relocation R in section S is the operand of a direct
 * call or jump (call, jmp, jcc rel32) to the entry of function SYM of O: a
 * call, not an address taken. (The addend is not -4 when the reference
 * goes through the section's symbol: the entry may be some bytes into its
 * section, after -fpatchable-function-entry's padding.) */
static int is_branch(const struct gobj *o, const struct gsec *s, const GElf_Rela *r,
		     size_t sym)
{
	uint32_t type = (uint32_t)GELF_R_TYPE(r->r_info);
	int64_t to = r->r_addend + 4;
	uint64_t off = r->r_offset;
	const uint8_t *d = s->data;

	if (GELF_R_SYM(r->r_info) != sym)
		to -= (int64_t)o->syms[sym].s.st_value;
	if ((type != 2 && type != 4) || to != 0 || !d || off < 1 ||
	    off > s->sh.sh_size)
		return 0;
	if (d[off - 1] == 0xe8 || d[off - 1] == 0xe9)
		return 1;
	return off >= 2 && d[off - 2] == 0x0f && (d[off - 1] & 0xf0) == 0x80;
}

/* Sections whose references to a function are bookkeeping, not pointers
 * the program can call: unwind tables, the patchable-entry list, nonstop's
 * own records. */
static int is_bookkeeping(const struct gsec *s)
{
	return !(s->sh.sh_flags & SHF_ALLOC) || !strcmp(s->name, ".eh_frame") ||
	       !strcmp(s->name, "__patchable_function_entries") ||
	       !strncmp(s->name, ".nonstop", 8);
}

/* The name of what holds the reference at OFF of section SEC of O. */
static const char *holder(const struct gobj *o, size_t sec, uint64_t off)
{
	long k = gobj_sym_at(o, sec, off);

	return k >= 0 ? o->syms[k].name : o->secs[sec].name;
}

/* The first reference of the old build to its function OSYM, other than
 * from the function itself: in data if CODE is 0, else one in code that is
 * not a call. Its section (0 if none) and relocation in *SEC and *REL. */
static void find_old_ref(const struct gobj *old, size_t osym, int code,
			 size_t *sec, const GElf_Rela **rel)
{
	const struct gsym *f = &old->syms[osym];

	*sec = 0;
	for (size_t k = 1; k < old->nsecs; k++) {
		const struct gsec *s = &old->secs[k];

		if (is_bookkeeping(s) || k == f->s.st_shndx ||
		    !(s->sh.sh_flags & SHF_EXECINSTR) != !code)
			continue;
		for (size_t r = 0; r < s->nrels; r++) {
			if (!refers_to(old, &s->rels[r], osym) ||
			    (code && is_branch(old, s, &s->rels[r], osym)))
				continue;
			*sec = k;
			*rel = &s->rels[r];
			return;
		}
	}
}

/* Refuses (-1, message) if the old build takes the address of its function
 * OSYM anywhere but in the function itself, naming where (data first: the
 * pointer is stored there); WHY says how the signature changed. */
static int check_old_refs(struct gen *g, const struct gobj *old, size_t osym,
			  const char *why)
{
	const char *name = old->syms[osym].name;
	const GElf_Rela *r = NULL;
	size_t sec;

	find_old_ref(old, osym, 0, &sec, &r);
	if (sec)
		return gen_fail(g, "refusing: function '%s' (%s) changed its signature: "
				"%s; its address is stored in '%s', and the process may "
				"call it through that pointer with the new arguments",
				name, gobj_source(old), why, holder(old, sec, r->r_offset));
	find_old_ref(old, osym, 1, &sec, &r);
	if (sec)
		return gen_fail(g, "refusing: function '%s' (%s) changed its signature: "
				"%s; '%s' takes its address, and the process may call it "
				"through a pointer with the new arguments", name,
				gobj_source(old), why, holder(old, sec, r->r_offset));
	return 0;
}

/* The function a piece of code at new symbol K belongs to: K, or the
 * parent of a ".cold" piece (-1 if not found). */
static long code_owner(const struct gobj *o, long k)
{
	const char *n, *c;
	size_t len;

	if (k < 0 || !gobj_is_copied(o, (size_t)k))
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

/* Every function of the new build that calls new symbol SYM is carried:
 * one the patch would keep is replaced, so that it calls the new version.
 * -1 with a message if a caller cannot be told. */
static int carry_callers(struct gen *g, struct gen_pair *pr, size_t sym,
			 const char *why)
{
	const struct gobj *o = pr->new;

	for (size_t sec = 1; sec < o->nsecs; sec++) {
		const struct gsec *s = &o->secs[sec];

		if (!(s->sh.sh_flags & SHF_EXECINSTR) || is_bookkeeping(s) ||
		    sec == o->syms[sym].s.st_shndx)
			continue;
		for (size_t r = 0; r < s->nrels; r++) {
			long k;

			if (!refers_to(o, &s->rels[r], sym))
				continue;
			k = code_owner(o, gobj_sym_at(o, sec, s->rels[r].r_offset));
			if (k < 0)
				return gen_fail(g, "refusing: function '%s' (%s) changed its "
						"signature: %s; code in section %s calls it, and "
						"nonstop cannot tell which function that is",
						o->syms[sym].name, gobj_source(o), why, s->name);
			if (pr->decision[k] != GEN_KEEP || o->syms[k].match < 0)
				continue;
			pr->decision[k] = GEN_REPLACE;
			pr->reason[k] = NS_REASON_RELOC;
			gen_note(g, 1, "  %s: %s: unchanged, but calls '%s', whose "
				 "signature changed: replaced to call the new one\n",
				 o->rel, o->syms[k].name, o->syms[sym].name);
		}
	}
	return 0;
}

/* Whether the binary exports NAME (its .dynsym defines it): another
 * module may call it. */
static int exported(struct gen *g, const char *name)
{
	struct ns_elf e;
	struct ns_err scratch = { 0 };
	Elf_Scn *dyn;
	GElf_Sym s;
	int rc = 0;

	if (ns_elf_open(g->opts->binary, &e, &scratch))
		return 0;  /* bind_to_binary() reports it */
	dyn = ns_elf_find_type(&e, SHT_DYNSYM);
	if (dyn && ns_elf_find_symbol(e.elf, dyn, name, NULL, &s) > 0 &&
	    s.st_shndx != SHN_UNDEF)
		rc = 1;
	ns_elf_close(&e);
	return rc;
}

static int add_call(struct gen *g, const char *callee, const struct gobj *o, long k)
{
	struct gen_sigcalls *c = g->sigcalls;
	struct sigcall *v;

	if (!c && !(c = g->sigcalls = calloc(1, sizeof(*c))))
		return gen_fail(g, "out of memory");
	if (c->n == c->cap) {
		size_t cap = c->cap ? 2 * c->cap : 8;

		if (!(v = realloc(c->v, cap * sizeof(*v))))
			return gen_fail(g, "out of memory");
		c->v = v;
		c->cap = cap;
	}
	v = &c->v[c->n];
	v->callee = strdup(callee);
	v->caller = strdup(o->syms[k].name);
	v->file = o->syms[k].bind == STB_LOCAL ? strdup(o->file) : NULL;
	v->object = strdup(o->rel);
	if (!v->callee || !v->caller || !v->object ||
	    (o->syms[k].bind == STB_LOCAL && !v->file)) {
		free(v->callee);
		free(v->caller);
		free(v->file);
		free(v->object);
		return gen_fail(g, "out of memory");
	}
	c->n++;
	return 0;
}

/* The references of object O (another object of the old build) to the
 * global NAME: refused if one stores or takes its address; each function
 * that calls it recorded for gen_sigchange_finish(). */
static int scan_other(struct gen *g, const struct gobj *o, const char *name,
		      const char *fn, const char *why)
{
	for (size_t sec = 1; sec < o->nsecs; sec++) {
		const struct gsec *s = &o->secs[sec];

		if (is_bookkeeping(s))
			continue;
		for (size_t r = 0; r < s->nrels; r++) {
			const GElf_Rela *rl = &s->rels[r];
			size_t t = GELF_R_SYM(rl->r_info);
			long k;

			if (o->syms[t].s.st_shndx != SHN_UNDEF || strcmp(o->syms[t].name, name))
				continue;
			if (!(s->sh.sh_flags & SHF_EXECINSTR) || !is_branch(o, s, rl, t))
				return gen_fail(g, "refusing: function '%s' (%s) changed its "
						"signature: %s; %s in %s %s its address, and the "
						"process may call it through a pointer with the new "
						"arguments", name, fn, why,
						holder(o, sec, rl->r_offset), o->rel,
						s->sh.sh_flags & SHF_EXECINSTR ? "takes" : "stores");
			k = code_owner(o, gobj_sym_at(o, sec, rl->r_offset));
			if (k < 0)
				return gen_fail(g, "refusing: function '%s' (%s) changed its "
						"signature: %s; code in section %s of %s calls it, "
						"and nonstop cannot tell which function that is",
						name, fn, why, s->name, o->rel);
			if (add_call(g, name, o, k))
				return -1;
		}
	}
	return 0;
}

/* A global of OLD (the pair's old object) named NAME changed its
 * signature: every other object of the old build is read for its
 * references to it. */
static int check_global(struct gen *g, const struct gobj *old, const char *name,
			const char *why)
{
	const struct gen_files *of = g->old_files;

	if (exported(g, name))
		return gen_fail(g, "refusing: function '%s' (%s) changed its signature: "
				"%s: %s exports it, so other modules may call it with "
				"the old arguments", name, gobj_source(old), why,
				g->opts->binary);
	for (size_t i = 0; of && i < of->n; i++) {
		struct gobj o;
		char *path;
		int rc;

		if (!strcmp(of->rel[i], old->rel))
			continue;
		if (asprintf(&path, "%s/%s", g->opts->old_dir, of->rel[i]) < 0)
			return gen_fail(g, "out of memory");
		memset(&o, 0, sizeof(o));
		rc = gobj_read(g, path, of->rel[i], &o);
		free(path);
		if (!rc)
			rc = scan_other(g, &o, name, gobj_source(old), why);
		gobj_free(&o);
		if (rc)
			return -1;
	}
	return 0;
}

int gen_sigchange(struct gen *g, struct gen_pair *pr, size_t sym, const char *why)
{
	struct gobj *o = pr->new, *old = pr->old;
	struct gsym *s = &o->syms[sym];
	size_t osym = (size_t)s->match;

	if ((s->bind == STB_LOCAL) != (old->syms[osym].bind == STB_LOCAL))
		return gen_fail(g, "refusing: function '%s' (%s) changed its signature: "
				"%s, and its binding (static or global)",
				old->syms[osym].name, gobj_source(o), why);
	if (check_old_refs(g, old, osym, why) ||
	    (s->bind != STB_LOCAL && check_global(g, old, s->name, why)) ||
	    carry_callers(g, pr, sym, why))
		return -1;
	/* From here on the two are different functions: references of the
	 * patch's code bind to the new one (emit.c), nothing redirects the
	 * old one. */
	old->syms[osym].match = -1;
	s->match = -1;
	pr->decision[sym] = GEN_NEW_FUNC;
	pr->reason[sym] = NS_REASON_SIGNATURE;
	gen_note(g, 1, "  %s: %s: signature changed (%s): a new function; the old "
		 "one stays for the code that still runs it\n", o->rel, s->name, why);
	return 0;
}

int gen_sigchange_finish(struct gen *g, const struct ns_patch *p)
{
	const struct gen_sigcalls *c = g->sigcalls;

	for (size_t i = 0; c && i < c->n; i++) {
		const struct sigcall *k = &c->v[i];
		int found = 0;

		for (size_t e = 0; e < p->nentries && !found; e++) {
			const struct ns_entry *en = &p->entries[e];

			found = en->kind == NS_ENTRY_REPLACE && !strcmp(en->name, k->caller) &&
				(k->file ? en->file && !strcmp(en->file, k->file) : !en->file);
		}
		if (!found)
			return gen_fail(g, "refusing: function '%s' changed its signature, "
					"and '%s' (%s) calls it, but the patch does not "
					"replace it (its code is the same): it would call "
					"the old one", k->callee, k->caller, k->object);
	}
	return 0;
}

void gen_sigchange_free(struct gen *g)
{
	struct gen_sigcalls *c = g->sigcalls;

	for (size_t i = 0; c && i < c->n; i++) {
		free(c->v[i].callee);
		free(c->v[i].caller);
		free(c->v[i].file);
		free(c->v[i].object);
	}
	if (c)
		free(c->v);
	free(c);
	g->sigcalls = NULL;
}
