/* patch_cfi.c — the ".eh_frame" a patch carries: the call-frame information
 * (DWARF CFI) of its code, so that unwinders (nonstop's own safety check,
 * the program's backtrace(), a debugger) can walk through frames of new
 * code. Owns the rules both sides follow: which CIEs a patch may carry
 * (ns_cfi_cie_supported, used by the generator when it picks what to copy)
 * and the validation of a loaded patch's .eh_frame (ns_cfi_check, used by
 * the reader).
 *
 * The section is ordinary .eh_frame (readelf --debug-dump=frames shows it):
 * CIEs and FDEs as the compiler wrote them, each CIE before the FDEs that
 * use it, ended by a zero terminator. Every FDE's initial location is a
 * R_X86_64_PC32 relocation against the patch's own code; nothing else in
 * the section is relocated (no personality routine, no LSDA: C code built
 * without -fexceptions has none). Entries are walked with libdw's
 * dwarf_next_cfi(), never by hand; what it does not check (a CIE pointer
 * that lands on a CIE, the relocations, the terminator) is checked here,
 * so that a hostile .eh_frame is an error, never a crash — in nonstop or,
 * later, in the target's unwinder. */
#include <elfutils/libdw.h>
#include <gelf.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "patch/patch.h"
#include "patch/patch_cfi.h"

#define DW_EH_PE_pcrel_sdata4 0x1b /* DW_EH_PE_pcrel | DW_EH_PE_sdata4 */
#define R_PC32 2                   /* R_X86_64_PC32 */

static const unsigned char ident64[EI_NIDENT] = {
	[EI_MAG0] = ELFMAG0, [EI_MAG1] = ELFMAG1, [EI_MAG2] = ELFMAG2,
	[EI_MAG3] = ELFMAG3, [EI_CLASS] = ELFCLASS64, [EI_DATA] = ELFDATA2LSB,
	[EI_VERSION] = EV_CURRENT,
};

const unsigned char *ns_cfi_ident(void)
{
	return ident64;
}

/* "zR" (or "zRS", a signal frame) with FDE addresses pc-relative 32-bit:
 * what gcc and clang emit for C on x86-64. A personality routine ('P') or
 * an LSDA ('L') would need relocations against things a patch does not
 * carry. */
int ns_cfi_cie_supported(const Dwarf_CIE *cie)
{
	const char *a = cie->augmentation;

	return (!strcmp(a, "zR") || !strcmp(a, "zRS")) &&
	       cie->augmentation_data_size == 1 &&
	       cie->augmentation_data[0] == DW_EH_PE_pcrel_sdata4;
}

struct cfi_check {
	const struct ns_patch *p;
	const struct ns_section *s;
	Dwarf_Off *cies;        /* offsets of the CIEs seen, in order */
	size_t ncies;
	size_t relocs_used;
	char *why;
	size_t whylen;
};

static int bad(struct cfi_check *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static int bad(struct cfi_check *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->why, c->whylen, fmt, ap);
	va_end(ap);
	return -1;
}

static bool is_cie(const struct cfi_check *c, Dwarf_Off off)
{
	for (size_t i = 0; i < c->ncies; i++)
		if (c->cies[i] == off)
			return true;
	return false;
}

/* The relocations inside [lo, hi) of the section: exactly one, at AT, a
 * PC32 against the patch's code, covering the FDE's range. */
static int check_fde_reloc(struct cfi_check *c, Dwarf_Off lo, Dwarf_Off hi,
			   Dwarf_Off at, uint32_t range)
{
	const struct ns_reloc *found = NULL;
	const struct ns_sym *sym;
	const struct ns_section *code;
	int64_t start;

	for (size_t i = 0; i < c->s->nrelocs; i++) {
		const struct ns_reloc *r = &c->s->relocs[i];

		if (r->offset < lo || r->offset >= hi)
			continue;
		if (r->offset != at || found)
			return bad(c, "FDE at %#lx: relocation at %#lx is not its "
				   "initial location", (unsigned long)lo,
				   (unsigned long)r->offset);
		found = r;
	}
	if (!found)
		return bad(c, "FDE at %#lx: its initial location is not relocated",
			   (unsigned long)lo);
	c->relocs_used++;
	sym = &c->p->syms[found->sym];
	if (found->type != R_PC32 || sym->kind != NS_SYM_DEFINED)
		return bad(c, "FDE at %#lx: initial location is not a PC32 "
			   "reference to the patch's code", (unsigned long)lo);
	code = &c->p->sections[sym->section];
	if (!(code->flags & SHF_EXECINSTR))
		return bad(c, "FDE at %#lx: describes section %s, which is not code",
			   (unsigned long)lo, code->name);
	/* PC32 addresses S + A - P: the FDE's code starts at S + A. */
	start = (int64_t)sym->value + found->addend;
	if (start < 0 || (uint64_t)start > code->size ||
	    range > code->size - (uint64_t)start)
		return bad(c, "FDE at %#lx: range %#lx+%u lies outside section %s",
			   (unsigned long)lo, (unsigned long)start, range, code->name);
	return 0;
}

static int check_entry(struct cfi_check *c, Elf_Data *d, Dwarf_Off off,
		       Dwarf_Off *next)
{
	Dwarf_CFI_Entry e;
	const uint8_t *base = d->d_buf;
	uint32_t len, range;
	Dwarf_Off at;

	memcpy(&len, base + off, 4);
	if (len == 0xffffffffU)
		return bad(c, "entry at %#lx: 64-bit DWARF is not supported",
			   (unsigned long)off);
	if (dwarf_next_cfi(ident64, d, true, off, next, &e) != 0)
		return bad(c, "entry at %#lx is malformed", (unsigned long)off);
	/* The terminator is not an entry: nothing may run into it. */
	if (*next > d->d_size - 4 || *next <= off)
		return bad(c, "entry at %#lx runs past the end", (unsigned long)off);
	if (dwarf_cfi_cie_p(&e)) {
		Dwarf_Off *v;

		if (!ns_cfi_cie_supported(&e.cie))
			return bad(c, "CIE at %#lx: augmentation \"%s\" is not "
				   "supported", (unsigned long)off, e.cie.augmentation);
		for (size_t i = 0; i < c->s->nrelocs; i++)
			if (c->s->relocs[i].offset >= off &&
			    c->s->relocs[i].offset < *next)
				return bad(c, "CIE at %#lx is relocated",
					   (unsigned long)off);
		v = realloc(c->cies, (c->ncies + 1) * sizeof(*v));
		if (!v)
			return bad(c, "out of memory");
		c->cies = v;
		c->cies[c->ncies++] = off;
		return 0;
	}
	if (!is_cie(c, e.fde.CIE_pointer))
		return bad(c, "FDE at %#lx: its CIE pointer does not lead to an "
			   "earlier CIE", (unsigned long)off);
	if (e.fde.end - e.fde.start < 8)
		return bad(c, "FDE at %#lx is too short", (unsigned long)off);
	at = (Dwarf_Off)(e.fde.start - base);
	memcpy(&range, e.fde.start + 4, 4);
	return check_fde_reloc(c, off, *next, at, range);
}

int ns_cfi_check(const struct ns_patch *p, const struct ns_section *s,
		 char *why, size_t whylen)
{
	struct cfi_check c = { .p = p, .s = s, .why = why, .whylen = whylen };
	Elf_Data d = { .d_buf = s->data, .d_size = s->size, .d_type = ELF_T_BYTE };
	static const uint8_t zero[4];
	Dwarf_Off off = 0, next;
	int rc = -1;

	if ((s->type != SHT_PROGBITS && s->type != SHT_X86_64_UNWIND) ||
	    s->flags != SHF_ALLOC)
		return bad(&c, "not a read-only, loadable section");
	if (!s->data || s->size < 4 || s->size > UINT32_MAX ||
	    memcmp(s->data + s->size - 4, zero, 4))
		return bad(&c, "does not end with a zero terminator");
	while (off < s->size - 4) {
		if (check_entry(&c, &d, off, &next) < 0)
			goto out;
		off = next;
	}
	if (c.relocs_used != s->nrelocs) {
		bad(&c, "%zu relocations are not initial locations of FDEs",
		    s->nrelocs - c.relocs_used);
		goto out;
	}
	rc = 0;
out:
	free(c.cies);
	return rc;
}
