/* emit.c — turns the decisions for one object pair into sections, symbols
 * and entries of the struct ns_patch. Carries the code of replaced and new
 * functions, new data, and (transitively) every anonymous or copied section
 * they reference; re-expresses each relocation either against the patch's
 * own sections (NS_SYM_DEFINED) or against a symbol of the target
 * (NS_SYM_TARGET), never against a target *section*. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gen/gen.h"
#include "gen/oldrefs.h"
#include "gen/xform.h"
#include "patch/patch_cfi.h"
#include "patch/patch_format.h"

struct gen_emit {
	struct ns_patch *p;
	size_t cap_sec, cap_sym, cap_ent;
};

/* Per-pair state: which sections of the new object are carried. */
struct pstate {
	struct gen           *g;
	struct gen_emit      *em;
	const struct gen_pair *pr;
	const struct gobj    *o;       /* the new object */
	long                 *sec_map; /* new section -> patch section, or -1 */
	uint32_t             *secsym;  /* new section -> patch section symbol */
	uint32_t             *symmap;  /* new symbol -> patch defined symbol */
	size_t               *work;
	size_t                nwork;
};

static int grow(void **arr, size_t *cap, size_t need, size_t elem)
{
	void *p;
	size_t cap2;

	if (need <= *cap)
		return 0;
	cap2 = *cap ? *cap * 2 : 16;
	while (cap2 < need)
		cap2 *= 2;
	p = realloc(*arr, cap2 * elem);
	if (!p)
		return -1;
	memset((char *)p + *cap * elem, 0, (cap2 - *cap) * elem);
	*arr = p;
	*cap = cap2;
	return 0;
}

struct gen_emit *gen_emit_new(struct ns_patch *p)
{
	struct gen_emit *em = calloc(1, sizeof(*em));

	if (!em)
		return NULL;
	em->p = p;
	/* Symbol 0 is ELF's null symbol. */
	if (grow((void **)&p->syms, &em->cap_sym, 1, sizeof(*p->syms))) {
		free(em);
		return NULL;
	}
	p->nsyms = 1;
	return em;
}

void gen_emit_free(struct gen_emit *em)
{
	free(em);
}

/* Appends a symbol; returns its index or 0 on out-of-memory. */
static uint32_t add_sym(struct gen_emit *em, const struct ns_sym *s)
{
	struct ns_patch *p = em->p;

	if (grow((void **)&p->syms, &em->cap_sym, p->nsyms + 1, sizeof(*p->syms)))
		return 0;
	p->syms[p->nsyms] = *s;
	p->syms[p->nsyms].name = strdup(s->name);
	p->syms[p->nsyms].file = s->file ? strdup(s->file) : NULL;
	if (!p->syms[p->nsyms].name || (s->file && !p->syms[p->nsyms].file))
		return 0;
	return (uint32_t)p->nsyms++;
}

/* The NS_SYM_TARGET symbol NAME (of FILE for locals), deduplicated. */
static uint32_t target_sym(struct pstate *ps, const char *name, const char *file,
			   unsigned char type, unsigned char bind)
{
	struct ns_patch *p = ps->em->p;
	struct ns_sym s = { .name = (char *)name, .file = (char *)file,
			    .kind = NS_SYM_TARGET, .type = type, .bind = bind };

	for (size_t i = 1; i < p->nsyms; i++) {
		struct ns_sym *t = &p->syms[i];

		if (t->kind == NS_SYM_TARGET && !strcmp(t->name, name) &&
		    (t->file ? file && !strcmp(t->file, file) : !file))
			return (uint32_t)i;
	}
	return add_sym(ps->em, &s);
}

static int is_carried(const struct pstate *ps, size_t sec)
{
	return sec > 0 && sec < ps->o->nsecs && ps->sec_map[sec] >= 0;
}

/* Sections copied whole when carried code references them: anonymous ones
 * (string pools, jump tables, constants) and those of copied symbols. */
static int sec_is_copied(const struct gobj *o, size_t sec)
{
	if (gobj_sec_anon(o, sec))
		return 1;
	for (size_t i = 1; i < o->nsyms; i++)
		if (o->syms[i].s.st_shndx == sec && gobj_is_copied(o, i))
			return 1;
	return 0;
}

static int carry(struct pstate *ps, size_t sec)
{
	const struct gsec *s = &ps->o->secs[sec];
	struct ns_patch *p = ps->em->p;
	struct ns_section *d;

	if (is_carried(ps, sec))
		return 0;
	if (!(s->sh.sh_flags & SHF_ALLOC) || s->sh.sh_flags & SHF_TLS ||
	    (s->sh.sh_type != SHT_PROGBITS && s->sh.sh_type != SHT_NOBITS))
		return gen_fail(ps->g, "refusing: %s: section %s cannot be carried by "
				"a patch (thread-local or not loadable)", ps->o->rel, s->name);
	if (grow((void **)&p->sections, &ps->em->cap_sec, p->nsections + 1,
		 sizeof(*p->sections)))
		return gen_fail(ps->g, "out of memory");
	d = &p->sections[p->nsections];
	d->name = strdup(s->name);
	d->type = s->sh.sh_type;
	/* The patch linker places sections itself: merging and grouping
	 * flags of the object do not apply any more. */
	d->flags = s->sh.sh_flags & (SHF_ALLOC | SHF_WRITE | SHF_EXECINSTR);
	d->align = s->sh.sh_addralign ? s->sh.sh_addralign : 1;
	d->size = s->sh.sh_size;
	if (!d->name)
		return gen_fail(ps->g, "out of memory");
	if (s->data && s->sh.sh_size) {
		d->data = malloc(s->sh.sh_size);
		if (!d->data)
			return gen_fail(ps->g, "out of memory");
		memcpy(d->data, s->data, s->sh.sh_size);
	}
	ps->sec_map[sec] = (long)p->nsections++;
	ps->work[ps->nwork++] = sec;
	return 0;
}

/* The section a relocation's symbol lives in, or 0. */
static size_t target_section(const struct gobj *o, size_t sym)
{
	const struct gsym *s = &o->syms[sym];

	if (s->s.st_shndx == SHN_UNDEF || s->s.st_shndx >= SHN_LORESERVE)
		return 0;
	/* Section symbols, named symbols and local labels (.LC0) all name a
	 * place in a section. */
	return s->s.st_shndx < o->nsecs ? s->s.st_shndx : 0;
}

/* Carries the entries' sections, then everything copied they reference. */
static int mark_carried(struct pstate *ps)
{
	const struct gobj *o = ps->o;

	for (size_t i = 1; i < o->nsyms; i++)
		if (ps->pr->decision[i] != GEN_KEEP && carry(ps, o->syms[i].s.st_shndx))
			return -1;
	for (size_t w = 0; w < ps->nwork; w++) {
		const struct gsec *s = &o->secs[ps->work[w]];

		for (size_t r = 0; r < s->nrels; r++) {
			size_t t = target_section(o, GELF_R_SYM(s->rels[r].r_info));

			if (t && !is_carried(ps, t) && sec_is_copied(o, t) && carry(ps, t))
				return -1;
		}
	}
	return 0;
}

static uint32_t section_sym(struct pstate *ps, size_t sec)
{
	struct ns_sym s = { .name = "", .kind = NS_SYM_DEFINED,
			    .section = (uint32_t)ps->sec_map[sec],
			    .type = STT_SECTION, .bind = STB_LOCAL };

	if (!ps->secsym[sec])
		ps->secsym[sec] = add_sym(ps->em, &s);
	return ps->secsym[sec];
}

static uint32_t defined_sym(struct pstate *ps, size_t sym, unsigned char bind)
{
	const struct gsym *gs = &ps->o->syms[sym];
	struct ns_sym s = { .name = gs->name, .kind = NS_SYM_DEFINED,
			    .section = (uint32_t)ps->sec_map[gs->s.st_shndx],
			    .value = gs->s.st_value, .size = gs->s.st_size,
			    .type = gs->type, .bind = bind };

	if (!ps->symmap[sym])
		ps->symmap[sym] = add_sym(ps->em, &s);
	return ps->symmap[sym];
}

/* A symbol of the target: the old build's name, and the STT_FILE of the
 * object for locals, so the linker can tell apart statics of equal names. */
static uint32_t target_of(struct pstate *ps, size_t sym)
{
	const struct gsym *gs = &ps->o->syms[sym];
	const char *name = gen_canon_name(ps->o, ps->pr->old, sym);

	return target_sym(ps, name, gs->bind == STB_LOCAL ? ps->o->file : NULL,
			  gs->type == STT_SECTION ? STT_NOTYPE : gs->type,
			  gs->bind);
}

/* A defined symbol that still exists in the target (and is not a copied
 * one): references to it bind to the live instance. */
static int exists_in_target(const struct pstate *ps, size_t sym)
{
	if (gobj_is_shadow_root(ps->o, sym))
		return 1;  /* the process's one root, whatever the old build had */
	return ps->pr->old && ps->o->syms[sym].match >= 0 &&
	       !gobj_is_copied(ps->o, sym) &&
	       ps->pr->decision[sym] != GEN_XFORM_DATA;  /* the patch's own */
}

/* Re-expresses relocation R of carried section SEC for the patch. */
static int map_reloc(struct pstate *ps, size_t sec, const GElf_Rela *r,
		     struct ns_reloc *out)
{
	const struct gobj *o = ps->o;
	size_t sym = GELF_R_SYM(r->r_info);
	const struct gsym *gs = &o->syms[sym];
	uint32_t type = (uint32_t)GELF_R_TYPE(r->r_info);
	size_t t = target_section(o, sym);
	int64_t a = r->r_addend;
	long k;

	out->offset = r->r_offset;
	out->type = type;
	out->addend = a;
	if (!ns_reloc_width(type))
		return gen_fail(ps->g, "refusing: %s: %s+%#lx uses relocation type %u "
				"(thread-local storage?), which nonstop does not support",
				o->rel, o->secs[sec].name, (unsigned long)r->r_offset, type);
	if (!t) {
		if (gs->s.st_shndx == SHN_ABS || !*gs->name)
			return gen_fail(ps->g, "refusing: %s: %s refers to absolute symbol %s",
					o->rel, o->secs[sec].name, gs->name);
		out->sym = target_sym(ps, gs->name, NULL, gs->type,
				      gs->bind == STB_LOCAL ? STB_GLOBAL : gs->bind);
		return out->sym ? 0 : gen_fail(ps->g, "out of memory");
	}
	if (gs->type != STT_SECTION && !gobj_is_named_def(o, sym)) {
		/* A local label: the same place as section + st_value. */
		a += (int64_t)gs->s.st_value;
		out->addend = a;
	} else if (gs->type != STT_SECTION) {
		if (is_carried(ps, t) && !exists_in_target(ps, sym))
			out->sym = defined_sym(ps, sym, gs->bind);
		else
			out->sym = target_of(ps, sym);
		return out->sym ? 0 : gen_fail(ps->g, "out of memory");
	}
	/* Section symbol: find the named symbol at the referenced offset. */
	k = gobj_sym_at(o, t, (uint64_t)(a + (ns_reloc_is_pcrel(type) ? 4 : 0)));
	if (is_carried(ps, t) &&
	    (k < 0 || t == sec || !exists_in_target(ps, (size_t)k) ||
	     sec_is_copied(o, sec))) {
		out->sym = section_sym(ps, t);
	} else if (k < 0) {
		return gen_fail(ps->g, "%s: %s refers to anonymous section %s that "
				"was not carried", o->rel, o->secs[sec].name, o->secs[t].name);
	} else {
		/* S + A unchanged: section + a == symbol + (a - st_value). */
		out->sym = target_of(ps, (size_t)k);
		out->addend = a - (int64_t)o->syms[k].s.st_value;
	}
	return out->sym ? 0 : gen_fail(ps->g, "out of memory");
}

static int map_relocs(struct pstate *ps)
{
	struct ns_patch *p = ps->em->p;

	for (size_t w = 0; w < ps->nwork; w++) {
		size_t sec = ps->work[w];
		const struct gsec *s = &ps->o->secs[sec];
		struct ns_section *d = &p->sections[ps->sec_map[sec]];

		if (!s->nrels)
			continue;
		d->relocs = calloc(s->nrels, sizeof(*d->relocs));
		if (!d->relocs)
			return gen_fail(ps->g, "out of memory");
		for (size_t r = 0; r < s->nrels; r++, d->nrelocs++)
			if (map_reloc(ps, sec, &s->rels[r], &d->relocs[r]))
				return -1;
	}
	return 0;
}

static int add_entries(struct pstate *ps)
{
	const struct gobj *o = ps->o, *old = ps->pr->old;
	struct gen_emit *em = ps->em;
	struct ns_patch *p = em->p;

	for (size_t i = 1; i < o->nsyms; i++) {
		const struct gsym *gs = &o->syms[i];
		uint8_t dec = ps->pr->decision[i];
		struct ns_entry *e;

		/* A kept function with a reason is an ignored difference
		 * (decide.c: line numbers only): listed, nothing carried. */
		if (dec == GEN_KEEP && ps->pr->reason[i] != NS_REASON_LINES)
			continue;
		if (grow((void **)&p->entries, &em->cap_ent, p->nentries + 1,
			 sizeof(*p->entries)))
			return gen_fail(ps->g, "out of memory");
		e = &p->entries[p->nentries++];
		e->reason = ps->pr->reason[i];
		e->object = strdup(o->rel);
		if (dec == GEN_KEEP) {
			e->kind = NS_ENTRY_IGNORED;
			e->name = strdup(gen_canon_name(o, old, i));
			e->sym = 0;
			if (gs->bind == STB_LOCAL)
				e->file = strdup(o->file);
			if (!e->name || !e->object || (gs->bind == STB_LOCAL && !e->file))
				return gen_fail(ps->g, "out of memory");
			continue;
		}
		if (dec == GEN_REPLACE) {
			/* The new code is the patch's private copy: local, so it
			 * never competes with the target's global of that name. */
			e->kind = NS_ENTRY_REPLACE;
			e->name = strdup(gen_canon_name(o, old, i));
			e->old_size = old->syms[gs->match].s.st_size;
			e->sym = defined_sym(ps, i, STB_LOCAL);
			/* The old code as the patch will check it (oldrefs.h). */
			if (gen_old_code(ps->g, old, (size_t)gs->match, e))
				return -1;
		} else if (dec == GEN_XFORM_DATA) {
			/* The live variable's name; the patch's definition. */
			e->kind = NS_ENTRY_XFORM_DATA;
			e->name = strdup(gen_canon_name(o, old, i));
			e->old_size = old->syms[gs->match].s.st_size;
			e->sym = defined_sym(ps, i, gs->bind);
		} else {
			e->kind = dec == GEN_NEW_FUNC ? NS_ENTRY_NEW_FUNC : NS_ENTRY_NEW_DATA;
			e->name = strdup(gs->name);
			e->sym = defined_sym(ps, i, gs->bind);
		}
		if (gs->bind == STB_LOCAL)
			e->file = strdup(o->file);
		if (!e->name || !e->object || !e->sym || (gs->bind == STB_LOCAL && !e->file))
			return gen_fail(ps->g, "out of memory");
	}
	return 0;
}

/* The transformer entries of the records of this object (xform.h): the
 * variable by its name in the target, the function by the patch's symbol
 * (one of this object, or a global of another that gen_emit_bind_new()
 * binds; gen_xform_check_patch() checks it is the patch's code). */
static int add_xform_entries(struct pstate *ps)
{
	const struct gobj *o = ps->o;
	const struct gen_xforms *x = ps->g->xforms;
	struct gen_emit *em = ps->em;
	struct ns_patch *p = em->p;

	for (size_t i = 0; x && i < x->n; i++) {
		const struct gen_xrec *r = &x->v[i];
		struct ns_entry *e;
		const char *name = r->var;

		if (strcmp(r->obj, o->rel))
			continue;
		if (r->var_sym)
			name = gen_canon_name(o, ps->pr->old, r->var_sym);
		if (grow((void **)&p->entries, &em->cap_ent, p->nentries + 1,
			 sizeof(*p->entries)))
			return gen_fail(ps->g, "out of memory");
		e = &p->entries[p->nentries++];
		e->kind = r->kind == GEN_XFORM_APPLY ? NS_ENTRY_TRANSFORM : NS_ENTRY_UNTRANSFORM;
		e->reason = NS_REASON_XFORM;
		e->name = strdup(name);
		e->object = strdup(o->rel);
		if (r->var_local)
			e->file = strdup(o->file);
		if (r->fn_sym && is_carried(ps, o->syms[r->fn_sym].s.st_shndx))
			e->sym = defined_sym(ps, r->fn_sym, o->syms[r->fn_sym].bind);
		else
			e->sym = target_sym(ps, r->fn, r->fn_sym && o->syms[r->fn_sym].bind ==
					    STB_LOCAL ? o->file : NULL, STT_FUNC, STB_GLOBAL);
		if (!e->name || !e->object || !e->sym || (r->var_local && !e->file))
			return gen_fail(ps->g, "out of memory");
	}
	return 0;
}

/* The hooks this object declares (hooks.c): each names the patch's
 * symbol of its function: the patch's own code for a new or changed
 * function, else the function of the target (unchanged, or of another
 * object). */
static int add_hooks(struct pstate *ps)
{
	const struct gobj *o = ps->o;
	struct gen_hook *h;
	size_t n;
	int rc = 0;

	if (gen_hooks_of(ps->g, ps->pr, &h, &n))
		return -1;
	for (size_t i = 0; i < n && rc == 0; i++) {
		const struct gsym *gs = &o->syms[h[i].sym];
		uint32_t sym;

		if (gs->s.st_shndx == SHN_UNDEF)
			sym = target_sym(ps, gs->name, NULL, STT_FUNC, STB_GLOBAL);
		else if (ps->pr->decision[h[i].sym] != GEN_KEEP)
			sym = defined_sym(ps, h[i].sym, gs->bind);
		else
			sym = target_of(ps, h[i].sym);
		rc = sym ? gen_hook_set(ps->g, ps->em->p, ps->pr, &h[i], sym)
			 : gen_fail(ps->g, "out of memory");
	}
	free(h);
	return rc;
}

/* Names the local functions of carried sections that nothing refers to
 * by name (a .cold piece is reached through its section): the patch's
 * symbol table then names every piece of its code, for unwinders and
 * debuggers. */
static int name_carried_code(struct pstate *ps)
{
	const struct gobj *o = ps->o;

	for (size_t i = 1; i < o->nsyms; i++) {
		const struct gsym *gs = &o->syms[i];

		if (gs->type != STT_FUNC || gs->bind != STB_LOCAL || !*gs->name ||
		    !is_carried(ps, gs->s.st_shndx) || ps->symmap[i])
			continue;
		if (!defined_sym(ps, i, STB_LOCAL))
			return gen_fail(ps->g, "out of memory");
	}
	return 0;
}

/* The patch's .eh_frame, created empty (just its zero terminator) on
 * first use. */
static struct ns_section *eh_frame_section(struct pstate *ps)
{
	struct ns_patch *p = ps->em->p;
	struct ns_section *d;

	if (p->eh_frame)
		return &p->sections[p->eh_frame - 1];
	if (grow((void **)&p->sections, &ps->em->cap_sec, p->nsections + 1,
		 sizeof(*p->sections)))
		return NULL;
	d = &p->sections[p->nsections];
	d->name = strdup(NS_CFI_SECTION);
	d->data = calloc(1, 4);
	if (!d->name || !d->data) {
		free(d->name);
		free(d->data);
		memset(d, 0, sizeof(*d));
		return NULL;
	}
	/* PROGBITS rather than SHT_X86_64_UNWIND: a nonstop that predates
	 * CFI in patches then loads the patch and places the section as
	 * read-only data, instead of refusing it. */
	d->type = SHT_PROGBITS;
	d->flags = SHF_ALLOC;
	d->align = 8;
	d->size = 4;
	p->eh_frame = (uint32_t)++p->nsections;
	return d;
}

/* Appends the CFI of this object's carried code to the patch's .eh_frame,
 * before its terminator; the FDEs' initial locations become relocations
 * against the carried sections. */
static int carry_cfi(struct pstate *ps)
{
	struct gen_cfi c;
	struct ns_section *d;
	struct ns_reloc *rl;
	uint8_t *data;
	uint64_t at;
	int rc = -1;

	if (gen_cfi_of(ps->g, ps->o, ps->sec_map, &c))
		return -1;
	if (!c.size)
		return 0;
	d = eh_frame_section(ps);
	if (!d) {
		gen_fail(ps->g, "out of memory");
		goto out;
	}
	at = d->size - 4;
	data = realloc(d->data, d->size + c.size);
	rl = realloc(d->relocs, (d->nrelocs + c.nrels) * sizeof(*rl));
	if (data)
		d->data = data;
	if (rl)
		d->relocs = rl;
	if (!data || !rl) {
		gen_fail(ps->g, "out of memory");
		goto out;
	}
	memcpy(d->data + at, c.data, c.size);
	memset(d->data + at + c.size, 0, 4);
	d->size += c.size;
	for (size_t i = 0; i < c.nrels; i++) {
		struct ns_reloc *r = &d->relocs[d->nrelocs];

		r->offset = at + c.rels[i].offset;
		r->type = c.rels[i].type;
		r->addend = c.rels[i].addend;
		r->sym = section_sym(ps, c.rels[i].sec);
		if (!r->sym) {
			gen_fail(ps->g, "out of memory");
			goto out;
		}
		d->nrelocs++;
	}
	gen_note(ps->g, 1, "  unwind info: %u FDE%s carried\n", c.kept,
		 c.kept == 1 ? "" : "s");
	rc = 0;
out:
	gen_cfi_free(&c);
	return rc;
}

int gen_emit_pair(struct gen *g, struct gen_emit *em, const struct gen_pair *pr)
{
	const struct gobj *o = pr->new;
	struct pstate ps = { .g = g, .em = em, .pr = pr, .o = o };
	int rc = -1;

	ps.sec_map = malloc(o->nsecs * sizeof(*ps.sec_map));
	ps.secsym = calloc(o->nsecs, sizeof(*ps.secsym));
	ps.symmap = calloc(o->nsyms ? o->nsyms : 1, sizeof(*ps.symmap));
	ps.work = calloc(o->nsecs, sizeof(*ps.work));
	if (!ps.sec_map || !ps.secsym || !ps.symmap || !ps.work) {
		gen_fail(g, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < o->nsecs; i++)
		ps.sec_map[i] = -1;
	if (mark_carried(&ps) || add_entries(&ps) || add_xform_entries(&ps) ||
	    map_relocs(&ps) || add_hooks(&ps) || name_carried_code(&ps) ||
	    carry_cfi(&ps))
		goto out;
	rc = 0;
out:
	free(ps.sec_map);
	free(ps.secsym);
	free(ps.symmap);
	free(ps.work);
	return rc;
}

/* A global that one object leaves undefined may be defined by the patch
 * itself: a new function or variable of another object (a new file, or a
 * new global a changed function elsewhere uses). Such a reference must
 * reach the patch's definition, not be looked up in the process, where it
 * does not exist. The target symbol becomes a local alias of it. */
void gen_emit_bind_new(struct gen_emit *em)
{
	struct ns_patch *p = em->p;

	for (size_t i = 1; i < p->nsyms; i++) {
		struct ns_sym *t = &p->syms[i];

		if (t->kind != NS_SYM_TARGET || t->file)
			continue;
		for (size_t d = 1; d < p->nsyms; d++) {
			const struct ns_sym *def = &p->syms[d];

			if (def->kind != NS_SYM_DEFINED || def->bind == STB_LOCAL ||
			    strcmp(def->name, t->name))
				continue;
			t->kind = NS_SYM_DEFINED;
			t->section = def->section;
			t->value = def->value;
			t->size = def->size;
			t->type = def->type;
			t->bind = STB_LOCAL;
			break;
		}
	}
}
