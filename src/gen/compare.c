/* compare.c — decides whether a function (or a variable's initial value)
 * changed between two builds. Bytes are compared with every relocated field
 * zeroed; relocations are compared by the *identity* of what they refer to,
 * never by raw symbol index or section offset, because those shift between
 * builds for reasons that do not matter (see ident_target()). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gen/gen.h"
#include "gen/lineshift.h"
#include "patch/patch_format.h"
#include "util/strbuf.h"

#define IDENT_DEPTH 6  /* anonymous sections referring to others: bounded */

static void sb_hex(struct strbuf *b, const uint8_t *p, size_t n)
{
	static const char hx[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		char c[2] = { hx[p[i] >> 4], hx[p[i] & 15] };

		sb_add(b, c, 2);
	}
}

/* What one side of the comparison looks at. Names of the new side are
 * translated to the old build's names (numbered locals may differ). */
struct ictx {
	const struct gobj *o, *other;
	int    is_new;
	size_t root;   /* the section being compared: references to it are "self" */
};

static const char *sname(const struct ictx *c, size_t sym)
{
	return c->is_new ? gen_canon_name(c->o, c->other, sym) : c->o->syms[sym].name;
}

static void ident_target(const struct ictx *c, size_t sym, int64_t addend,
			 uint32_t type, int depth, struct strbuf *b);

/* "Section name prefix" (".rodata" of ".rodata.foo"): jump tables are named
 * after their function, which must not matter. */
static void sb_prefix(struct strbuf *b, const char *name)
{
	const char *dot = name[0] == '.' ? strchr(name + 1, '.') : NULL;

	sb_add(b, name, dot ? (size_t)(dot - name) : strlen(name));
}

/* Identity of a whole anonymous or copied section: its kind, bytes and what
 * its relocations refer to. */
static void ident_range(const struct ictx *c, size_t sec, uint64_t from,
			uint64_t to, int depth, struct strbuf *b)
{
	const struct gsec *s = &c->o->secs[sec];

	if (to > s->sh.sh_size || from > to)
		from = 0, to = s->sh.sh_size;
	sb_prefix(b, s->name);
	if (depth > IDENT_DEPTH) {
		sb_printf(b, "<deep %s>", s->name);
		return;
	}
	if (!s->data) {
		sb_printf(b, "{nobits %lu}", (unsigned long)(to - from));
		return;
	}
	sb_add(b, "{", 1);
	sb_hex(b, s->data + from, to - from);
	for (size_t r = 0; r < s->nrels; r++) {
		const GElf_Rela *ra = &s->rels[r];

		if (ra->r_offset < from || ra->r_offset >= to)
			continue;
		sb_printf(b, " @%lx:%u:", (unsigned long)(ra->r_offset - from),
			  (unsigned)GELF_R_TYPE(ra->r_info));
		ident_target(c, GELF_R_SYM(ra->r_info), ra->r_addend,
			     (uint32_t)GELF_R_TYPE(ra->r_info), depth + 1, b);
	}
	sb_add(b, "}", 1);
}

/* Where the item at offset OFF of a relocation-free anonymous section ends:
 * at the next offset the object refers to (gcc -O0 puts all string literals
 * of a file into one plain .rodata: each is compared on its own, so that
 * changing one string does not change every function using another). */
static uint64_t item_end(const struct gobj *o, size_t sec, uint64_t off)
{
	uint64_t end = o->secs[sec].sh.sh_size;

	for (size_t i = 1; i < o->nsecs; i++)
		for (size_t r = 0; r < o->secs[i].nrels; r++) {
			const GElf_Rela *ra = &o->secs[i].rels[r];
			const struct gsym *s = &o->syms[GELF_R_SYM(ra->r_info)];
			uint32_t type = (uint32_t)GELF_R_TYPE(ra->r_info);
			int64_t t;

			if (s->s.st_shndx != sec || (s->type != STT_SECTION &&
						     s->type != STT_NOTYPE))
				continue;
			t = ra->r_addend + (int64_t)s->s.st_value +
			    (ns_reloc_is_pcrel(type) ? 4 : 0);
			if (t > (int64_t)off && (uint64_t)t < end)
				end = (uint64_t)t;
		}
	return end;
}

static void ident_content(const struct ictx *c, size_t sec, int depth,
			  struct strbuf *b)
{
	ident_range(c, sec, 0, c->o->secs[sec].sh.sh_size, depth, b);
}

/* A reference into a section without named symbols. */
static void ident_anon(const struct ictx *c, size_t sec, int64_t addend,
		       uint32_t type, int depth, struct strbuf *b)
{
	const struct gsec *s = &c->o->secs[sec];
	uint64_t fl = s->sh.sh_flags;
	/* The bytes referred to start past the -4 bias of PC-relative fields. */
	int64_t off = addend + (ns_reloc_is_pcrel(type) ? 4 : 0);

	if ((fl & SHF_MERGE) && (fl & SHF_STRINGS) && s->data) {
		/* String literals: by content, never by offset in the pool. */
		if (off < 0 || (uint64_t)off >= s->sh.sh_size) {
			sb_printf(b, "str:<out of range %ld>", (long)off);
			return;
		}
		const uint8_t *p = s->data + off;
		const uint8_t *nul = memchr(p, 0, s->sh.sh_size - (uint64_t)off);
		size_t n = nul ? (size_t)(nul - p) : s->sh.sh_size - (uint64_t)off;

		sb_add(b, "str:\"", 5);
		sb_add(b, (const char *)p, n);
		sb_printf(b, "\"%+ld", (long)(addend - off));
		return;
	}
	if ((fl & SHF_MERGE) && s->sh.sh_entsize && s->data) {
		uint64_t es = s->sh.sh_entsize;
		uint64_t start = off >= 0 ? (uint64_t)off / es * es : 0;

		if (off < 0 || start + es > s->sh.sh_size) {
			sb_printf(b, "cst:<out of range %ld>", (long)off);
			return;
		}
		sb_add(b, "cst:", 4);
		sb_hex(b, s->data + start, es);
		sb_printf(b, "%+ld", (long)(addend - (int64_t)start));
		return;
	}
	if (!s->nrels && s->data && off >= 0 && (uint64_t)off < s->sh.sh_size) {
		sb_printf(b, "item%+ld:", (long)(addend - off));
		ident_range(c, sec, (uint64_t)off, item_end(c->o, sec, (uint64_t)off),
			    depth, b);
		return;
	}
	sb_printf(b, "anon%+ld:", (long)addend);
	ident_content(c, sec, depth, b);
}

/* Identity of what (SYM + ADDEND) refers to, independent of symbol indices
 * and section layout:
 *   - a named symbol: its (old-build) name + addend;
 *   - a section symbol of a section holding named symbols: the symbol
 *     covering the offset + (addend - st_value), since gas turns references
 *     to static variables into section+offset;
 *   - the compared section itself: "self" + addend;
 *   - a string pool: the string's content; other anonymous sections and
 *     compiler-generated read-only locals: their content, recursively. */
static void ident_target(const struct ictx *c, size_t sym, int64_t addend,
			 uint32_t type, int depth, struct strbuf *b)
{
	const struct gobj *o = c->o;
	const struct gsym *s = &o->syms[sym];
	size_t sec = s->s.st_shndx;

	/* Local labels (.LC0 in a string pool: gas keeps them for references
	 * into SHF_MERGE sections) are section + st_value references. */
	if (s->type != STT_SECTION && !gobj_is_named_def(o, sym) &&
	    sec != SHN_UNDEF && sec < o->nsecs) {
		addend += (int64_t)s->s.st_value;
		sym = 0;
	}
	if (sym == 0 || s->type == STT_SECTION) {
		long k;

		if (sec == 0 || sec >= o->nsecs) {
			sb_printf(b, "badsec%zu", sec);
			return;
		}
		if (sec == c->root) {
			sb_printf(b, "self%+ld", (long)addend);
			return;
		}
		k = gobj_sym_at(o, sec, (uint64_t)(addend + (ns_reloc_is_pcrel(type) ? 4 : 0)));
		if (k < 0) {
			ident_anon(c, sec, addend, type, depth, b);
			return;
		}
		sym = (size_t)k;
		s = &o->syms[sym];
		addend -= (int64_t)s->s.st_value;
	}
	if (!gobj_is_named_def(o, sym)) {
		sb_printf(b, "ext:%s%+ld", s->name, (long)addend);
		return;
	}
	if (s->s.st_shndx == c->root) {
		sb_printf(b, "self%+ld", (long)(addend + (int64_t)s->s.st_value));
		return;
	}
	if (gobj_is_copied(o, sym)) {
		/* Only the symbol's own bytes matter (clang keeps several
		 * string symbols in one section). */
		sb_printf(b, "copy%+ld:", (long)addend);
		if (s->s.st_size)
			ident_range(c, s->s.st_shndx, s->s.st_value,
				    s->s.st_value + s->s.st_size, depth, b);
		else
			ident_content(c, s->s.st_shndx, depth, b);
		return;
	}
	sb_printf(b, "sym:%s%+ld", sname(c, sym), (long)addend);
}

static void reloc_ident(const struct ictx *c, const GElf_Rela *r, struct strbuf *b)
{
	ident_target(c, GELF_R_SYM(r->r_info), r->r_addend,
		     (uint32_t)GELF_R_TYPE(r->r_info), 0, b);
}

/* Copies LEN bytes at OFF of section S (zeros for NOBITS) and zeroes the
 * fields of its relocations that fall inside. */
static uint8_t *masked_bytes(const struct gsec *s, uint64_t off, uint64_t len)
{
	uint8_t *p = calloc(len ? len : 1, 1);

	if (!p)
		abort();
	if (s->data && off <= s->sh.sh_size && len <= s->sh.sh_size - off)
		memcpy(p, s->data + off, len);
	for (size_t r = 0; r < s->nrels; r++) {
		uint64_t ro = s->rels[r].r_offset;
		unsigned w = ns_reloc_width((uint32_t)GELF_R_TYPE(s->rels[r].r_info));

		if (!w)
			w = 4;
		for (unsigned i = 0; i < w; i++)
			if (ro + i >= off && ro + i < off + len)
				p[ro + i - off] = 0;
	}
	return p;
}

/* Compares [ooff, ooff+len) of OSEC with [noff, noff+len) of NSEC: bytes,
 * relocation positions and types, then relocation identities. */
static enum gen_diff compare_range(const struct gobj *old, size_t osec, uint64_t ooff,
				   const struct gobj *new, size_t nsec, uint64_t noff,
				   uint64_t len, char *why, size_t whylen)
{
	const struct gsec *os = &old->secs[osec], *ns = &new->secs[nsec];
	struct ictx oc = { old, new, 0, osec }, nc = { new, old, 1, nsec };
	size_t oi = 0, ni = 0;
	enum gen_diff d = GEN_SAME;
	uint8_t *ob = masked_bytes(os, ooff, len), *nb = masked_bytes(ns, noff, len);

	if (memcmp(ob, nb, len)) {
		snprintf(why, whylen, "changed bytes");
		d = GEN_BYTES;
	}
	free(ob);
	free(nb);
	while (d != GEN_BYTES) {
		struct strbuf a = { 0 }, b = { 0 };

		while (oi < os->nrels && (os->rels[oi].r_offset < ooff ||
					  os->rels[oi].r_offset >= ooff + len))
			oi++;
		while (ni < ns->nrels && (ns->rels[ni].r_offset < noff ||
					  ns->rels[ni].r_offset >= noff + len))
			ni++;
		if (oi >= os->nrels || ni >= ns->nrels) {
			if (oi < os->nrels || ni < ns->nrels) {
				snprintf(why, whylen, "changed bytes (relocations added or removed)");
				d = GEN_BYTES;
			}
			break;
		}
		if (os->rels[oi].r_offset - ooff != ns->rels[ni].r_offset - noff ||
		    GELF_R_TYPE(os->rels[oi].r_info) != GELF_R_TYPE(ns->rels[ni].r_info)) {
			snprintf(why, whylen, "changed bytes (relocations moved)");
			d = GEN_BYTES;
			break;
		}
		reloc_ident(&oc, &os->rels[oi], &a);
		reloc_ident(&nc, &ns->rels[ni], &b);
		if (sb_failed(&a) || sb_failed(&b))
			abort();  /* identities are small; no sane recovery */
		if (d == GEN_SAME && strcmp(sb_str(&a), sb_str(&b))) {
			snprintf(why, whylen, "changed reference to %.200s", sb_str(&b));
			d = GEN_RELOC;
		}
		sb_free(&a);
		sb_free(&b);
		oi++;
		ni++;
	}
	return d;
}

enum gen_diff gen_compare_func(const struct gobj *old, size_t osec,
			       const struct gobj *new, size_t nsec,
			       char *why, size_t whylen)
{
	uint64_t osz = old->secs[osec].sh.sh_size, nsz = new->secs[nsec].sh.sh_size;

	if (osz != nsz) {
		snprintf(why, whylen, "changed bytes (size %lu -> %lu)",
			 (unsigned long)osz, (unsigned long)nsz);
		return GEN_BYTES;
	}
	return compare_range(old, osec, 0, new, nsec, 0, osz, why, whylen);
}

enum gen_diff gen_compare_data(const struct gobj *old, size_t osym,
			       const struct gobj *new, size_t nsym,
			       char *why, size_t whylen)
{
	const GElf_Sym *o = &old->syms[osym].s, *n = &new->syms[nsym].s;

	if (o->st_size != n->st_size || old->syms[osym].type != new->syms[nsym].type) {
		snprintf(why, whylen, "changed its size or type (%lu -> %lu bytes)",
			 (unsigned long)o->st_size, (unsigned long)n->st_size);
		return GEN_BYTES;
	}
	return compare_range(old, o->st_shndx, o->st_value, new, n->st_shndx,
			     n->st_value, o->st_size, why, whylen);
}

/* ---- line-number neutrality (lineshift.h) -------------------------------- */

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

/* Puts back into NB (the new side's copy of a section, LEN bytes) the old
 * values of every 4-byte line field that differs from OB by the rule of LR.
 * -1 at the first difference that is not such a field. */
static int unshift_lines(const uint8_t *ob, uint8_t *nb, uint64_t len,
			 const struct gen_lines *lr, unsigned *nfields)
{
	uint64_t done = 0;  /* end of the last field put back */

	for (uint64_t i = 0; i < len; i++) {
		uint64_t k, first;
		int ok = 0;

		if (ob[i] == nb[i])
			continue;
		/* The field [k, k+4) holds byte i and starts at or after
		 * the last byte already accepted (everything before i is equal). */
		first = i >= 3 ? i - 3 : 0;
		if (first < done)
			first = done;
		for (k = first; k <= i && k + 4 <= len; k++) {
			uint32_t ov = le32(ob + k), nv = le32(nb + k);

			if (ov >= lr->lo && ov <= lr->hi &&
			    (int64_t)nv - (int64_t)ov == lr->shift) {
				ok = 1;
				break;
			}
		}
		if (!ok)
			return -1;
		memcpy(nb + k, ob + k, 4);
		(*nfields)++;
		done = k + 4;
		i = k + 3;
	}
	return 0;
}

/* The section a relocation refers to when it is a piece travelling with the
 * function or compiler-generated read-only data (a .cold part, a static
 * struct literal such as a (file, line) record), else 0. */
static size_t copied_target(const struct gobj *o, const GElf_Rela *r, size_t self)
{
	size_t sym = GELF_R_SYM(r->r_info);
	const struct gsym *s = &o->syms[sym];
	size_t sec = s->s.st_shndx;
	long k;

	if (sec == 0 || sec >= o->nsecs || sec == self || !o->secs[sec].data)
		return 0;
	if (o->secs[sec].sh.sh_flags & (SHF_WRITE | SHF_STRINGS | SHF_MERGE))
		return 0;
	if (s->type == STT_SECTION || !gobj_is_named_def(o, sym)) {
		int64_t off = r->r_addend + (int64_t)s->s.st_value +
			(ns_reloc_is_pcrel((uint32_t)GELF_R_TYPE(r->r_info)) ? 4 : 0);

		k = gobj_sym_at(o, sec, off > 0 ? (uint64_t)off : 0);
		if (k < 0)
			return 0;
		sym = (size_t)k;
	}
	return gobj_is_copied(o, sym) ? sec : 0;
}

enum gen_diff gen_compare_func_lines(const struct gobj *old, size_t osec,
				     const struct gobj *new, size_t nsec,
				     const struct gen_lines *lr, unsigned *nfields,
				     char *why, size_t whylen)
{
	struct gobj tmp = *new;
	struct gsec *secs;
	uint8_t **owned;
	enum gen_diff d = GEN_BYTES;
	const struct gsec *os = &old->secs[osec], *ns = &new->secs[nsec];

	*nfields = 0;
	snprintf(why, whylen, "changed bytes (not only line numbers)");
	if (!lr->shift || os->sh.sh_size != ns->sh.sh_size || !os->data || !ns->data ||
	    os->nrels != ns->nrels)
		return GEN_BYTES;
	secs = malloc(new->nsecs * sizeof(*secs));
	owned = calloc(new->nsecs, sizeof(*owned));
	if (!secs || !owned)
		abort();
	memcpy(secs, new->secs, new->nsecs * sizeof(*secs));
	tmp.secs = secs;
	/* The function's own section, then the pieces it refers to, pairwise
	 * (the relocations are at the same offsets when the bytes are). */
	for (size_t r = 0; r <= ns->nrels; r++) {
		size_t o_s = osec, n_s = nsec;
		uint64_t len;

		if (r > 0) {
			o_s = copied_target(old, &os->rels[r - 1], osec);
			n_s = copied_target(new, &ns->rels[r - 1], nsec);
			if (!o_s || !n_s || owned[n_s])
				continue;
			if (old->secs[o_s].sh.sh_size != new->secs[n_s].sh.sh_size)
				continue;  /* the comparison below will say so */
		}
		len = new->secs[n_s].sh.sh_size;
		owned[n_s] = malloc(len ? len : 1);
		if (!owned[n_s])
			abort();
		memcpy(owned[n_s], new->secs[n_s].data, len);
		secs[n_s].data = owned[n_s];
		if (unshift_lines(old->secs[o_s].data, owned[n_s], len, lr, nfields))
			goto out;
	}
	d = *nfields ? gen_compare_func(old, osec, &tmp, nsec, why, whylen) : GEN_BYTES;
out:
	for (size_t i = 0; i < new->nsecs; i++)
		free(owned[i]);
	free(owned);
	free(secs);
	return d;
}
