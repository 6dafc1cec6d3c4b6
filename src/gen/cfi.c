/* cfi.c — the call-frame information of the code a patch carries, taken
 * from the new object's .eh_frame.
 *
 * The compiler already wrote, for every function (and every .cold piece,
 * which has an FDE of its own), how to unwind through it. We keep the FDEs
 * whose code the patch carries and the CIEs they use, copy their bytes, and
 * re-point each FDE at its CIE's new place; the FDE's initial location
 * stays a relocation against the function's section (the linker fills it
 * when it places the patch). Entries are walked with libdw's
 * dwarf_next_cfi(), not parsed by hand. What the patch file accepts is
 * decided by patch_cfi.c (ns_cfi_cie_supported): an FDE whose CIE has a
 * personality routine, or that has an LSDA (C built with -fexceptions), is
 * left out, and `build -v` says so; its code then has no CFI in the patch,
 * as it had none in any patch before. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gen/gen.h"
#include "patch/patch_cfi.h"

#define R_PC32 2 /* R_X86_64_PC32 */

/* A CIE of the object: where it went in the output, if it did. */
struct cie {
	Dwarf_Off off;
	bool      usable;     /* supported and not relocated */
	int64_t   out;        /* offset in the output, -1 if not copied */
};

struct walk {
	struct gen       *g;
	const struct gobj *o;
	const struct gsec *s;
	const long       *sec_map;
	struct gen_cfi   *out;
	struct cie       *cies;
	size_t            ncies;
	size_t            cap;
};

static int append(struct walk *w, const void *bytes, size_t len)
{
	struct gen_cfi *c = w->out;
	uint8_t *p = realloc(c->data, c->size + len);

	if (!p)
		return gen_fail(w->g, "out of memory");
	memcpy(p + c->size, bytes, len);
	c->data = p;
	c->size += len;
	return 0;
}

static struct cie *find_cie(struct walk *w, Dwarf_Off off)
{
	for (size_t i = 0; i < w->ncies; i++)
		if (w->cies[i].off == off)
			return &w->cies[i];
	return NULL;
}

/* Number of relocations of the section inside [lo, hi); *FIRST gets the
 * first (they are sorted by offset). */
static size_t relocs_in(const struct gsec *s, Dwarf_Off lo, Dwarf_Off hi,
			const GElf_Rela **first)
{
	size_t n = 0;

	*first = NULL;
	for (size_t i = 0; i < s->nrels; i++)
		if (s->rels[i].r_offset >= lo && s->rels[i].r_offset < hi) {
			if (!n)
				*first = &s->rels[i];
			n++;
		}
	return n;
}

static int add_cie(struct walk *w, Dwarf_Off off, Dwarf_Off next,
		   const Dwarf_CIE *cie)
{
	const GElf_Rela *r;

	if (w->ncies == w->cap) {
		size_t cap = w->cap ? w->cap * 2 : 8;
		struct cie *v = realloc(w->cies, cap * sizeof(*v));

		if (!v)
			return gen_fail(w->g, "out of memory");
		w->cies = v;
		w->cap = cap;
	}
	w->cies[w->ncies].off = off;
	w->cies[w->ncies].usable = ns_cfi_cie_supported(cie) &&
				   relocs_in(w->s, off, next, &r) == 0;
	w->cies[w->ncies].out = -1;
	w->ncies++;
	return 0;
}

/* The name of the function at OFF of section SEC, for messages. */
static const char *func_at(const struct gobj *o, size_t sec, uint64_t off)
{
	long k = gobj_sym_at(o, sec, off);

	return k >= 0 ? o->syms[k].name : o->secs[sec].name;
}

/* Copies the FDE [off, next) and its CIE (once), if it describes carried
 * code and the patch format can carry it. */
static int add_fde(struct walk *w, Dwarf_Off off, Dwarf_Off next,
		   const Dwarf_FDE *fde)
{
	const struct gobj *o = w->o;
	const uint8_t *base = w->s->data;
	Dwarf_Off at = (Dwarf_Off)(fde->start - base);
	const GElf_Rela *r;
	size_t nrel = relocs_in(w->s, off, next, &r), sec;
	const struct gsym *sym;
	struct cie *cie = find_cie(w, fde->CIE_pointer);
	struct gen_cfi_rel *rels;
	int64_t addend, fde_out;
	uint32_t ptr;

	if (!nrel || r->r_offset != at)
		return 0; /* describes nothing we can place */
	sym = &o->syms[GELF_R_SYM(r->r_info)];
	sec = sym->s.st_shndx;
	if (sec == SHN_UNDEF || sec >= o->nsecs || w->sec_map[sec] < 0)
		return 0; /* code the patch does not carry */
	addend = r->r_addend + (sym->type == STT_SECTION ? 0 : (int64_t)sym->s.st_value);
	if (!cie || !cie->usable || nrel != 1 || GELF_R_TYPE(r->r_info) != R_PC32) {
		w->out->dropped++;
		gen_note(w->g, 1, "  no unwind info carried for %s: its CFI uses a "
			 "personality routine or an LSDA\n",
			 func_at(o, sec, (uint64_t)addend));
		return 0;
	}
	if (cie->out < 0) {
		Dwarf_Off cnext;
		Dwarf_CFI_Entry e;
		Elf_Data d = { .d_buf = (void *)base, .d_size = w->s->sh.sh_size };

		if (dwarf_next_cfi(ns_cfi_ident(), &d, true, cie->off, &cnext, &e))
			return gen_fail(w->g, "%s: .eh_frame: CIE at %#lx unreadable",
					o->rel, (unsigned long)cie->off);
		cie->out = (int64_t)w->out->size;
		if (append(w, base + cie->off, cnext - cie->off))
			return -1;
	}
	fde_out = (int64_t)w->out->size;
	if (append(w, base + off, next - off))
		return -1;
	/* The CIE pointer (after the 4-byte length) is the distance from
	 * itself back to its CIE. */
	ptr = (uint32_t)(fde_out + 4 - cie->out);
	memcpy(w->out->data + fde_out + 4, &ptr, 4);
	rels = realloc(w->out->rels, (w->out->nrels + 1) * sizeof(*rels));
	if (!rels)
		return gen_fail(w->g, "out of memory");
	w->out->rels = rels;
	rels[w->out->nrels++] = (struct gen_cfi_rel) {
		.offset = (uint64_t)fde_out + (at - off), .type = R_PC32,
		.sec = sec, .addend = addend,
	};
	w->out->kept++;
	return 0;
}

static const struct gsec *find_eh_frame(const struct gobj *o)
{
	for (size_t i = 1; i < o->nsecs; i++) {
		const struct gsec *s = &o->secs[i];

		if (!strcmp(s->name, NS_CFI_SECTION) && s->data &&
		    (s->sh.sh_type == SHT_PROGBITS || s->sh.sh_type == SHT_X86_64_UNWIND))
			return s;
	}
	return NULL;
}

int gen_cfi_of(struct gen *g, const struct gobj *o, const long *sec_map,
	       struct gen_cfi *out)
{
	struct walk w = { .g = g, .o = o, .sec_map = sec_map, .out = out };
	Elf_Data d;
	Dwarf_Off off = 0, next;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	w.s = find_eh_frame(o);
	if (!w.s)
		return 0; /* built without unwind tables */
	d = (Elf_Data) { .d_buf = w.s->data, .d_size = w.s->sh.sh_size };
	for (;;) {
		Dwarf_CFI_Entry e;
		int k = dwarf_next_cfi(ns_cfi_ident(), &d, true, off, &next, &e);

		if (k > 0)
			break;
		if (k < 0) {
			/* A zero terminator ends the section early: what
			 * follows is not read by any unwinder either. */
			uint32_t len;

			memcpy(&len, w.s->data + off, 4);
			if (len == 0)
				break;
			gen_fail(g, "%s: .eh_frame: malformed entry at %#lx: %s",
				 o->rel, (unsigned long)off, dwarf_errmsg(-1));
			goto out;
		}
		if (dwarf_cfi_cie_p(&e) ? add_cie(&w, off, next, &e.cie) :
		    add_fde(&w, off, next, &e.fde))
			goto out;
		off = next;
	}
	rc = 0;
out:
	free(w.cies);
	if (rc)
		gen_cfi_free(out);
	return rc;
}

void gen_cfi_free(struct gen_cfi *c)
{
	free(c->data);
	free(c->rels);
	memset(c, 0, sizeof(*c));
}
