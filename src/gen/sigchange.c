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
#include <capstone/capstone.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "elf/elf_util.h"
#include "elf/symbols.h"
#include "gen/sigchange.h"
#include "gen/users.h"
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
	if ((type != 2 && type != 4) || to != 0 || !d || off > s->sh.sh_size)
		return 0;
	return ns_is_branch_disp(d + off, off);
}

/* The name of what holds the reference at OFF of section SEC of O. */
static const char *holder(const struct gobj *o, size_t sec, uint64_t off)
{
	long k = gobj_sym_at(o, sec, off);

	return k >= 0 ? o->syms[k].name : o->secs[sec].name;
}

/* Whether relocation R of O designates the entry of function SYM (not a
 * place inside its body: a jump table's entries, a .cold piece's jump
 * back). */
static int at_entry(const struct gobj *o, const GElf_Rela *r, size_t sym)
{
	int64_t at = gen_reloc_place(r);

	if (GELF_R_SYM(r->r_info) != sym)
		at -= (int64_t)o->syms[sym].s.st_value;
	return at == 0;
}

/* The first reference of the old build to the entry of its function OSYM
 * that is not a direct call (the function's own code included: it may
 * store its own address): in data if CODE is 0, else in code. Its section
 * (0 if none) and relocation in *SEC and *REL. */
static void find_old_ref(const struct gobj *old, size_t osym, int code,
			 size_t *sec, const GElf_Rela **rel)
{
	*sec = 0;
	for (size_t k = 1; k < old->nsecs; k++) {
		const struct gsec *s = &old->secs[k];

		if (gen_is_bookkeeping(s) || !(s->sh.sh_flags & SHF_EXECINSTR) != !code)
			continue;
		for (size_t r = 0; r < s->nrels; r++) {
			if (!gen_refers_to(old, &s->rels[r], osym) ||
			    !at_entry(old, &s->rels[r], osym) ||
			    (code && is_branch(old, s, &s->rels[r], osym)))
				continue;
			*sec = k;
			*rel = &s->rels[r];
			return;
		}
	}
}

/* Whether function SYM of O computes its own address: a reference within
 * its own section, which the assembler resolved without a relocation
 * (lea f(%rip) in f). 1, 0, or -1 if capstone cannot start. */
static int takes_own_address(const struct gobj *o, size_t sym)
{
	const struct gsym *f = &o->syms[sym];
	const struct gsec *sec = &o->secs[f->s.st_shndx];
	const uint8_t *code;
	size_t left;
	uint64_t addr;
	cs_insn *in;
	csh cs;
	int found = 0;

	if (!sec->data || f->s.st_value > sec->sh.sh_size ||
	    f->s.st_size > sec->sh.sh_size - f->s.st_value)
		return 0;
	if (cs_open(CS_ARCH_X86, CS_MODE_64, &cs) != CS_ERR_OK)
		return -1;
	cs_option(cs, CS_OPT_DETAIL, CS_OPT_ON);
	in = cs_malloc(cs);
	code = sec->data + f->s.st_value;
	left = f->s.st_size;
	addr = f->s.st_value;
	while (in && !found && cs_disasm_iter(cs, &code, &left, &addr, in)) {
		const cs_x86 *x = &in->detail->x86;

		if (cs_insn_group(cs, in, X86_GRP_CALL) || cs_insn_group(cs, in, X86_GRP_JUMP))
			continue;
		for (uint8_t k = 0; k < x->op_count; k++)
			if (x->operands[k].type == X86_OP_MEM &&
			    x->operands[k].mem.base == X86_REG_RIP &&
			    in->address + in->size + (uint64_t)x->operands[k].mem.disp ==
			    f->s.st_value)
				found = 1;
	}
	if (in)
		cs_free(in, 1);
	cs_close(&cs);
	return in ? found : -1;
}

/* Refuses (-1, message) if the old build takes the address of its function
 * OSYM, naming where (data first: the pointer is stored there); WHY says
 * how the signature changed. */
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
	switch (takes_own_address(old, osym)) {
	case 0:
		return 0;
	case 1:
		return gen_fail(g, "refusing: function '%s' (%s) changed its signature: "
				"%s; '%s' takes its address, and the process may call it "
				"through a pointer with the new arguments", name,
				gobj_source(old), why, name);
	default:
		return gen_fail(g, "cannot start capstone's x86-64 decoder");
	}
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

		if (gen_is_bookkeeping(s))
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
			k = gen_code_owner(o, gobj_sym_at(o, sec, rl->r_offset));
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

/* gen_carry_users() for function SYM, whose signature changed (WHY). */
static int carry(struct gen *g, struct gen_pair *pr, size_t sym, const char *why)
{
	char change[600];

	snprintf(change, sizeof(change), "changed its signature: %s", why);
	return gen_carry_users(g, pr, sym, "calls", "signature changed", change);
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
	    carry(g, pr, sym, why))
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

			/* Replaced, or made a new function itself (its own
			 * signature changed too: a chain of them). */
			found = (en->kind == NS_ENTRY_REPLACE ||
				 (en->kind == NS_ENTRY_NEW_FUNC &&
				  en->reason == NS_REASON_SIGNATURE)) &&
				!strcmp(en->name, k->caller) &&
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
