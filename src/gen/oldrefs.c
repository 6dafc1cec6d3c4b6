/* oldrefs.c — what each relocated field of an old function refers to, for
 * the patch to check against the code the process runs (core/verify_refs.c).
 *
 * The checksum of the old code skips its relocated fields (masks.c): the
 * process runs that code linked at other addresses, by ld or by nonstop for
 * an earlier patch. Skipped, the fields are not checked at all, and two
 * builds whose code differs only in a relocated field (another string
 * literal, another callee) would look the same: a patch built from v2 to
 * v3 would apply to a process still running v1 when v1 and v2 differ only
 * there. So each field is also recorded by what it refers to, the way
 * Ksplice's run-pre matching compares: a symbol by name (its source file
 * for a local) plus the addend, a string literal (or other nameless
 * read-only data) by its bytes up to a NUL. Fields the patch cannot name
 * that way are left to the mask: a reference to thread-local storage, to
 * compiler-made data travelling with the code (CSWTCH, .cold pieces). */
#include <stdlib.h>
#include <string.h>

#include "gen/oldrefs.h"
#include "gen/users.h"
#include "patch/patch_format.h"

struct refs {
	struct ns_ref *v;
	uint32_t n, cap;
};

static int push(struct refs *l, const struct ns_ref *f)
{
	if (l->n == l->cap) {
		uint32_t cap = l->cap ? 2 * l->cap : 16;
		struct ns_ref *v = realloc(l->v, cap * sizeof(*v));

		if (!v)
			return -1;
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n++] = *f;
	return 0;
}

/* A symbol reference to defined symbol K of O plus ADDEND into F: 0, or 1
 * if K is not one the process can look up by name (copied data, a piece
 * that travels with its function), -1 out of memory. */
static int by_symbol(const struct gobj *o, size_t k, int64_t addend, struct ns_ref *f)
{
	const struct gsym *s = &o->syms[k];

	if (gobj_is_copied(o, k) || !*s->name)
		return 1;
	f->kind = NS_REF_SYMBOL;
	f->addend = addend;
	f->name = strdup(s->name);
	if (s->bind == STB_LOCAL && !(f->file = strdup(o->file)))
		return -1;
	return f->name ? 0 : -1;
}

/* Whether a relocation of SEC patches a byte of [OFF, OFF + LEN): those
 * bytes are the linker's, not the object's. */
static int relocated(const struct gsec *sec, uint64_t off, uint64_t len)
{
	for (size_t r = 0; r < sec->nrels; r++)
		if (sec->rels[r].r_offset + 8 > off && sec->rels[r].r_offset < off + len)
			return 1;
	return 0;
}

/* The string literal the field designates, at AT of section SEC, into F.
 * AT assumes the field ends its instruction (PCREL); with an immediate
 * after it the string starts 1, 2 or 4 bytes further (F's addend keeps
 * that skip, for apply to read the same place). A string starts a section
 * or follows a NUL: a place that does not (a constant's middle, the byte
 * before a string) is not recorded (1), as the linker may put anything
 * there when it merges strings. */
static int by_string(const struct gsec *sec, int64_t at, int pcrel, struct ns_ref *f)
{
	static const int64_t imm[] = { 0, 1, 2, 4 };
	const char *d = (const char *)sec->data;
	size_t max, len;

	for (size_t k = 0; d && k < (pcrel ? 4u : 1u); k++) {
		int64_t off = at + imm[k];

		if (off < 0 || (uint64_t)off >= sec->sh.sh_size || (off > 0 && d[off - 1]))
			continue;  /* (an empty string, "", starts after a NUL too) */
		max = sec->sh.sh_size - (uint64_t)off;
		if (max > NS_REF_STRING_MAX)
			max = NS_REF_STRING_MAX;
		len = strnlen(d + off, max);
		if (relocated(sec, (uint64_t)off, len + 1))
			return 1;  /* not a string: a jump table, pointers */
		f->kind = len < max ? NS_REF_STRING : NS_REF_STRING_PART;
		f->addend = imm[k];
		f->name = strndup(d + off, len);
		return f->name ? 0 : -1;
	}
	return 1;
}

/* The named symbol of section SEC of O that holds offset AT, or -1. For a
 * PC-relative field (PCREL), AT assumes the field ends its instruction; an
 * immediate after it (addl $1, var(%rip)) makes the addend smaller by the
 * immediate's size, so AT + 1, 2 and 4 are tried too. */
static long named_at(const struct gobj *o, size_t sec, int64_t at, int pcrel)
{
	static const int64_t imm[] = { 0, 1, 2, 4 };

	for (size_t k = 0; k < (pcrel ? 4u : 1u); k++) {
		int64_t a = at + imm[k];
		long n = a >= 0 ? gobj_sym_at(o, sec, (uint64_t)a) : -1;

		if (n >= 0 && (uint64_t)a >= o->syms[n].s.st_value &&
		    (uint64_t)a < o->syms[n].s.st_value + o->syms[n].s.st_size)
			return n;
	}
	return -1;
}

/* What relocation R of O refers to, into F: 0, 1 if nothing nameable, -1
 * out of memory. */
static int describe(const struct gobj *o, const GElf_Rela *r, struct ns_ref *f)
{
	size_t k = GELF_R_SYM(r->r_info);
	const struct gsym *s = &o->syms[k];
	uint32_t type = (uint32_t)GELF_R_TYPE(r->r_info);
	int64_t at = gen_reloc_place(r);
	const struct gsec *sec;
	long named;

	if (!ns_reloc_width(type) || type == 22 || type == 23)
		return 1;  /* unknown (masks.c refuses it), or TLS */
	if (s->s.st_shndx == SHN_UNDEF) {
		if (!*s->name)
			return 1;
		f->kind = NS_REF_SYMBOL;
		f->addend = r->r_addend;
		f->name = strdup(s->name);
		return f->name ? 0 : -1;
	}
	if (s->s.st_shndx >= o->nsecs)
		return 1;  /* absolute, common */
	sec = &o->secs[s->s.st_shndx];
	if (gobj_is_named_def(o, k) && !(sec->sh.sh_flags & SHF_STRINGS) &&
	    !gobj_is_copied(o, k))
		return by_symbol(o, k, r->r_addend, f);
	/* A section symbol, a local label, or compiler-made read-only data
	 * (clang's .L.str): a place in a section. */
	at += (int64_t)s->s.st_value;
	if (sec->sh.sh_flags & SHF_STRINGS)
		return by_string(sec, at, ns_reloc_is_pcrel(type), f);
	named = named_at(o, s->s.st_shndx, at, ns_reloc_is_pcrel(type));
	/* Nameless read-only data: string literals outside a merged-string
	 * section (gcc -O0 puts them in .rodata), other constants: the
	 * bytes up to a NUL are compared. */
	if (named < 0 && (sec->sh.sh_flags & SHF_ALLOC) &&
	    !(sec->sh.sh_flags & (SHF_WRITE | SHF_EXECINSTR | SHF_MERGE)))
		return by_string(sec, at, ns_reloc_is_pcrel(type), f);
	if (named < 0)
		return 1;
	return by_symbol(o, (size_t)named, r->r_addend + (int64_t)s->s.st_value -
			 (int64_t)o->syms[named].s.st_value, f);
}

void gen_refs_free(struct ns_ref *v, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++) {
		free(v[i].name);
		free(v[i].file);
	}
	free(v);
}

int gen_refs_of_sym(struct gen *g, const struct gobj *o, size_t sym,
		    struct ns_ref **out, uint32_t *n)
{
	const struct gsym *s = &o->syms[sym];
	uint64_t lo = s->s.st_value, hi = lo + s->s.st_size;
	struct refs l = { 0 };
	const struct gsec *sec;

	*out = NULL;
	*n = 0;
	if (s->s.st_shndx == SHN_UNDEF || s->s.st_shndx >= o->nsecs)
		return 0;
	sec = &o->secs[s->s.st_shndx];
	for (size_t r = 0; r < sec->nrels; r++) {
		const GElf_Rela *rl = &sec->rels[r];
		struct ns_ref f = { 0 };
		int rc;

		if (rl->r_offset < lo || rl->r_offset >= hi)
			continue;
		f.off = (uint32_t)(rl->r_offset - lo);
		f.type = (uint32_t)GELF_R_TYPE(rl->r_info);
		if (l.n && f.off <= l.v[l.n - 1].off)
			continue;  /* two relocations of one field: the first */
		rc = describe(o, rl, &f);
		if (rc == 0 && f.off + ns_reloc_width(f.type) <= s->s.st_size) {
			if (!push(&l, &f))
				continue;
			rc = -1;
		}
		free(f.name);
		free(f.file);
		if (rc < 0) {
			gen_refs_free(l.v, l.n);
			return gen_fail(g, "out of memory");
		}
	}
	*out = l.v;
	*n = l.n;
	return 0;
}

int gen_old_code(struct gen *g, const struct gobj *old, size_t sym,
		 struct ns_entry *e)
{
	const struct gsym *s = &old->syms[sym];
	const struct gsec *sec = &old->secs[s->s.st_shndx];
	uint8_t *copy;

	e->old_size = s->s.st_size;
	if (gen_masks_of_sym(g, old, sym, &e->masks, &e->nmasks) ||
	    gen_refs_of_sym(g, old, sym, &e->refs, &e->nrefs))
		return -1;
	if (!sec->data || s->s.st_value > sec->sh.sh_size ||
	    s->s.st_size > sec->sh.sh_size - s->s.st_value)
		return gen_fail(g, "%s: function %s lies outside its section",
				old->rel, s->name);
	copy = malloc(s->s.st_size ? s->s.st_size : 1);
	if (!copy)
		return gen_fail(g, "out of memory");
	memcpy(copy, sec->data + s->s.st_value, s->s.st_size);
	e->old_sum = ns_mask_checksum(copy, s->s.st_size, e->masks, e->nmasks);
	free(copy);
	return 0;
}
