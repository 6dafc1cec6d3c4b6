/* link.c — layout, resolution and relocation of a patch for a live process.
 *
 * References from new code to libraries may land more than 2 GiB away from
 * the patch, out of reach of a 32-bit displacement: every symbol called
 * through PC32/PLT32 gets a 16-byte stub (jmp *addr(%rip)) used only when
 * the direct displacement does not fit, and every GOTPCREL reference gets a
 * GOT slot of the patch's own. The patch itself is placed within reach of
 * the module it patches, so references to that module are direct. */
#include <elf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "link/link.h"
#include "link/shadow_root.h"

#define PAGE 4096UL
#define NONE UINT32_MAX
#define STUB_SIZE 16

static size_t align_up(size_t v, size_t a)
{
	return (v + a - 1) & ~(a - 1);
}

enum seg { SEG_TEXT, SEG_RO, SEG_RW };

static enum seg seg_of(const struct ns_section *s)
{
	if (s->flags & SHF_EXECINSTR)
		return SEG_TEXT;
	if (s->flags & SHF_WRITE)
		return SEG_RW;
	return SEG_RO;
}

static bool is_pcrel_call(uint32_t type)
{
	return type == R_X86_64_PC32 || type == R_X86_64_PLT32;
}

/* References that go through a GOT slot of the patch's own. For
 * GOTTPOFF (initial-exec TLS) the slot holds the variable's offset from the
 * thread pointer instead of an address. */
static bool is_gotpcrel(uint32_t type)
{
	return type == R_X86_64_GOTPCREL || type == R_X86_64_GOTPCRELX ||
	       type == R_X86_64_REX_GOTPCRELX || type == R_X86_64_GOTTPOFF;
}

/* Gives each target symbol reached by a call-like or GOT reference its stub
 * or GOT slot. */
static void count_slots(const struct ns_patch *p, struct ns_image *img,
			size_t *nstubs, size_t *ngot)
{
	*nstubs = *ngot = 0;
	for (size_t i = 0; i < p->nsyms; i++)
		img->stub[i] = img->got[i] = NONE;
	for (size_t s = 0; s < p->nsections; s++)
		for (size_t r = 0; r < p->sections[s].nrelocs; r++) {
			const struct ns_reloc *rl = &p->sections[s].relocs[r];
			if (is_gotpcrel(rl->type) && img->got[rl->sym] == NONE)
				img->got[rl->sym] = (uint32_t)(*ngot)++;
			if (is_pcrel_call(rl->type) &&
			    p->syms[rl->sym].kind == NS_SYM_TARGET &&
			    img->stub[rl->sym] == NONE)
				img->stub[rl->sym] = (uint32_t)(*nstubs)++;
		}
}

/* State transformers run through the call stub and slot. */
static bool has_transformers(const struct ns_patch *p)
{
	for (size_t i = 0; i < p->nentries; i++)
		if (p->entries[i].kind == NS_ENTRY_TRANSFORM ||
		    p->entries[i].kind == NS_ENTRY_UNTRANSFORM)
			return true;
	return false;
}

/* ---- hooks ---------------------------------------------------------------- */

/* nonstop_hook_msg: a symbol the linker provides, in the patch's own
 * memory, never one of the target. */
static bool linker_provided(const struct ns_sym *s)
{
	return s->kind == NS_SYM_TARGET && s->name &&
	       !strcmp(s->name, NS_LINK_HOOK_MSG_SYMBOL);
}

static bool has_hooks(const struct ns_patch *p)
{
	for (size_t k = 0; k < NS_HOOK_KINDS; k++)
		if (p->hooks[k])
			return true;
	return false;
}

/* The hooks data is laid out for a patch with hooks, and for one whose
 * code writes a message without having a hook (a helper of another
 * patch's hook: the buffer is then never read, but it exists). */
static bool needs_hooks_data(const struct ns_patch *p)
{
	if (has_hooks(p))
		return true;
	for (size_t i = 1; i < p->nsyms; i++)
		if (linker_provided(&p->syms[i]))
			return true;
	return false;
}

/* ---- end of hooks ---------------------------------------------------------- */

bool ns_link_needs_calls(const struct ns_patch *p)
{
	return p->eh_frame || has_hooks(p) || has_transformers(p);
}

/* The frames data (libgcc's struct object and the call slot the frames'
 * and the transformers' calls report in). */
static bool needs_frames_data(const struct ns_patch *p)
{
	return p->eh_frame || has_transformers(p);
}

int ns_link_layout(const struct ns_patch *p, size_t hdr, size_t gate,
		   size_t journal, struct ns_image *img, struct ns_err *err)
{
	size_t off[3] = { 0, 0, 0 }, nstubs, ngot;

	memset(img, 0, sizeof(*img));
	img->sec_off = calloc(p->nsections + 1, sizeof(*img->sec_off));
	img->sym_addr = calloc(p->nsyms + 1, sizeof(*img->sym_addr));
	img->stub = calloc(p->nsyms + 1, sizeof(*img->stub));
	img->got = calloc(p->nsyms + 1, sizeof(*img->got));
	if (!img->sec_off || !img->sym_addr || !img->stub || !img->got)
		goto nomem;
	count_slots(p, img, &nstubs, &ngot);
	/* Offsets within each segment first, then segments one after the
	 * other, each starting on a page. */
	for (size_t s = 0; s < p->nsections; s++) {
		const struct ns_section *sec = &p->sections[s];
		enum seg g = seg_of(sec);
		off[g] = align_up(off[g], sec->align ? sec->align : 1);
		img->sec_off[s] = off[g];
		off[g] += sec->size;
	}
	img->stubs_off = align_up(off[SEG_TEXT], 16);
	off[SEG_TEXT] = img->stubs_off + nstubs * STUB_SIZE;
	img->got_off = align_up(off[SEG_RO], 8);
	off[SEG_RO] = img->got_off + ngot * 8;
	img->gate_off = align_up(off[SEG_TEXT], 16);
	off[SEG_TEXT] = img->gate_off + gate;
	img->journal_off = align_up(off[SEG_RW], 8);
	off[SEG_RW] = img->journal_off + journal;
	if (ns_link_needs_calls(p)) {
		img->call_off = align_up(off[SEG_TEXT], 16);
		off[SEG_TEXT] = img->call_off + NS_LINK_CALL_STUB;
	}
	if (needs_frames_data(p)) {
		img->frames_off = align_up(off[SEG_RW], 16);
		off[SEG_RW] = img->frames_off + NS_LINK_FRAMES_DATA;
	}
	if (needs_hooks_data(p)) {
		img->hooks_off = align_up(off[SEG_RW], 16);
		off[SEG_RW] = img->hooks_off + NS_LINK_HOOKS_DATA;
	}

	img->hdr = align_up(hdr, PAGE);
	img->text_off = img->hdr;
	img->text = align_up(off[SEG_TEXT] ? off[SEG_TEXT] : 1, PAGE);
	img->ro_off = img->text_off + img->text;
	img->ro = align_up(off[SEG_RO], PAGE);
	img->rw_off = img->ro_off + img->ro;
	img->rw = align_up(off[SEG_RW], PAGE);
	img->size = img->rw_off + img->rw;
	img->stubs_off += img->text_off;
	img->got_off += img->ro_off;
	img->gate_off += img->text_off;
	img->journal_off += img->rw_off;
	if (ns_link_needs_calls(p))
		img->call_off += img->text_off;
	if (needs_frames_data(p))
		img->frames_off += img->rw_off;
	if (needs_hooks_data(p))
		img->hooks_off += img->rw_off;
	for (size_t s = 0; s < p->nsections; s++) {
		size_t segoff[3] = { img->text_off, img->ro_off, img->rw_off };
		img->sec_off[s] += segoff[seg_of(&p->sections[s])];
	}
	img->buf = calloc(1, img->size);
	if (!img->buf)
		goto nomem;
	for (size_t s = 0; s < p->nsections; s++)
		if (p->sections[s].data && p->sections[s].type != SHT_NOBITS)
			memcpy(img->buf + img->sec_off[s], p->sections[s].data,
			       p->sections[s].size);
	return 0;
nomem:
	ns_err_set(err, "out of memory laying out the patch");
	ns_image_free(img);
	return -1;
}

/* *V: S as M defines it, or else (S names no file) as M imports it, from
 * the module the target's dynamic linker bound it to. */
static int resolve_target(struct ns_target *t, struct ns_module *m,
			  int mem_fd, const struct ns_sym *s,
			  struct ns_symval *v, struct ns_err *err)
{
	struct ns_err not_own = { 0 };   /* not a failure: maybe an import */

	if (ns_module_lookup(m, s->name, s->file, v, s->file ? err : &not_own) == 0) {
		struct ns_symval got;

		/* The module's own ifunc: its symbol is the resolver; the
		 * code must call what the resolver chose. */
		if (v->type == STT_GNU_IFUNC &&
		    ns_target_resolve_ifunc(t, m, mem_fd, s->name, v, err) < 0)
			return ns_err_replace(err, "cannot resolve %s", ns_err_msg(err));
		/* A library's exported variable the program copied (a copy
		 * relocation): the live one is where the library's own GOT
		 * says, not the library's dead copy. */
		if (!s->file && !m->is_main && v->type == STT_OBJECT &&
		    ns_target_resolve_import(t, m, mem_fd, s->name, &got, &not_own) == 0 &&
		    got.addr != v->addr)
			v->addr = got.addr;
		return 0;
	}
	if (!s->file && ns_target_resolve_import(t, m, mem_fd, s->name, v, err) == 0)
		return 0;
	return ns_err_replace(err, "cannot resolve %s", ns_err_msg(err));
}

int ns_link_resolve(const struct ns_patch *p, struct ns_target *t,
		    struct ns_module *m, int mem_fd, struct ns_image *img,
		    struct ns_err *err)
{
	for (size_t i = 1; i < p->nsyms; i++) {
		const struct ns_sym *s = &p->syms[i];
		struct ns_symval v;

		/* Shadow variables: one table per process, whatever the
		 * patch brought (link/shadow_root.h). */
		if (ns_link_is_shadow_root(s)) {
			if (!img->shadow_root && !ns_link_needs_shadow_root(p))
				continue;  /* nothing refers to it */
			if (!img->shadow_root) {
				ns_err_set(err, "internal error: no "
					 "shadow-variable root to bind '%s' to",
					 s->name);
				return -1;
			}
			img->sym_addr[i] = img->shadow_root;
			continue;
		}
		if (s->kind != NS_SYM_TARGET || linker_provided(s))
			continue;  /* (the latter: ns_link_relocate) */
		if (resolve_target(t, m, mem_fd, s, &v, err) < 0)
			return -1;
		if (v.type == STT_TLS) {
			int64_t tpoff;
			if (ns_module_tpoff(m, v.addr, &tpoff) < 0) {
				ns_err_set(err, "thread-local variable '%s': "
					 "only those of the main program are "
					 "supported", s->name);
				return -1;
			}
			v.addr = (uint64_t)tpoff;
		}
		img->sym_addr[i] = v.addr;
	}
	return 0;
}

uint64_t ns_link_sym_addr(const struct ns_image *img, uint32_t sym)
{
	return img->sym_addr[sym];
}

static int put32(uint8_t *where, int64_t v, bool is_signed)
{
	if (is_signed ? (v < INT32_MIN || v > INT32_MAX) : (v < 0 || v > UINT32_MAX))
		return -1;
	uint32_t u = (uint32_t)v;
	memcpy(where, &u, 4);
	return 0;
}

/* Whether the 32-bit field a PC32/PLT32 relocation fills (at WHERE, RL's
 * offset into its section) is the displacement of a direct call, jmp or jcc
 * (e8, e9, 0f 8x): the only references the far-call stub stands in for.
 * Any other (mov sym(%rip),%reg: gcc reads an extern variable of a PIE
 * that way, counting on a copy relocation) would read or write the stub's
 * code as if it were the variable. */
static bool is_branch_disp(const struct ns_reloc *rl, const uint8_t *where)
{
	return rl->addend == -4 && ns_is_branch_disp(where, rl->offset);
}

/* Applies one relocation at image offset OFF (of a code section: CODE). */
static int apply_one(const struct ns_patch *p, struct ns_image *img,
		     const struct ns_reloc *rl, size_t off, bool code,
		     struct ns_err *err)
{
	uint8_t *where = img->buf + off;
	uint64_t P = img->base + off;
	uint64_t S = img->sym_addr[rl->sym];
	int64_t A = rl->addend;
	int64_t v;
	bool tls_ref = rl->type == R_X86_64_TPOFF32 ||
		       rl->type == R_X86_64_GOTTPOFF;

	if (tls_ref != (p->syms[rl->sym].type == STT_TLS)) {
		ns_err_set(err, "relocation type %u against '%s' mixes "
			 "thread-local and ordinary data", rl->type,
			 p->syms[rl->sym].name ? p->syms[rl->sym].name : "?");
		return -1;
	}
	switch (rl->type) {
	case R_X86_64_64: {
		uint64_t u = S + (uint64_t)A;
		memcpy(where, &u, 8);
		return 0;
	}
	case R_X86_64_PC64: {
		uint64_t u = S + (uint64_t)A - P;
		memcpy(where, &u, 8);
		return 0;
	}
	case R_X86_64_PC32:
	case R_X86_64_PLT32:
		v = (int64_t)(S + (uint64_t)A - P);
		if (put32(where, v, true) == 0)
			return 0;
		if (img->stub[rl->sym] != NONE && code &&
		    !is_branch_disp(rl, where)) {
			ns_err_set(err, "'%s' is out of reach of the patch's "
				 "PC-relative reference to it (relocation type "
				 "%u, not a call): a variable of a shared "
				 "library the program does not copy? Build "
				 "with -fPIC or -mno-direct-extern-access",
				 p->syms[rl->sym].name ?
				 p->syms[rl->sym].name : "?", rl->type);
			return -1;
		}
		if (img->stub[rl->sym] != NONE) {
			uint64_t stub = img->base + img->stubs_off +
					img->stub[rl->sym] * STUB_SIZE;
			v = (int64_t)(stub + (uint64_t)A - P);
			if (put32(where, v, true) == 0)
				return 0;
		}
		break;
	case R_X86_64_32:
		if (put32(where, (int64_t)(S + (uint64_t)A), false) == 0)
			return 0;
		break;
	case R_X86_64_32S:
		if (put32(where, (int64_t)(S + (uint64_t)A), true) == 0)
			return 0;
		break;
	case R_X86_64_TPOFF32: /* S is the offset from the thread pointer */
		if (put32(where, (int64_t)(S + (uint64_t)A), true) == 0)
			return 0;
		break;
	case R_X86_64_GOTPCREL:
	case R_X86_64_GOTPCRELX:
	case R_X86_64_REX_GOTPCRELX:
	case R_X86_64_GOTTPOFF: {
		uint64_t slot = img->base + img->got_off + img->got[rl->sym] * 8;
		v = (int64_t)(slot + (uint64_t)A - P);
		if (put32(where, v, true) == 0)
			return 0;
		break;
	}
	default:
		ns_err_set(err, "relocation type %u is not supported",
			 rl->type);
		return -1;
	}
	ns_err_set(err, "reference to '%s' cannot reach it from the patch "
		 "(relocation type %u)", p->syms[rl->sym].name ?
		 p->syms[rl->sym].name : "?", rl->type);
	return -1;
}

static void write_slots(const struct ns_patch *p, struct ns_image *img)
{
	for (size_t i = 0; i < p->nsyms; i++) {
		uint64_t S = img->sym_addr[i];
		if (img->stub[i] != NONE) {
			/* jmp *0(%rip); .quad S */
			uint8_t *st = img->buf + img->stubs_off +
				      img->stub[i] * STUB_SIZE;
			static const uint8_t jmp[6] = { 0xff, 0x25, 0, 0, 0, 0 };
			memcpy(st, jmp, 6);
			memcpy(st + 6, &S, 8);
			st[14] = st[15] = 0xcc;
		}
		if (img->got[i] != NONE)
			memcpy(img->buf + img->got_off + img->got[i] * 8, &S, 8);
	}
}

int ns_link_relocate(const struct ns_patch *p, struct ns_image *img,
		     uint64_t base, struct ns_err *err)
{
	img->base = base;
	for (size_t i = 1; i < p->nsyms; i++) {
		const struct ns_sym *s = &p->syms[i];
		if (s->kind == NS_SYM_DEFINED && !ns_link_is_shadow_root(s))
			img->sym_addr[i] = base + img->sec_off[s->section] +
					   s->value;
		else if (linker_provided(s))
			img->sym_addr[i] = base + img->hooks_off +
					   NS_LINK_HOOK_SLOTS;
	}
	write_slots(p, img);
	for (size_t s = 0; s < p->nsections; s++) {
		const struct ns_section *sec = &p->sections[s];
		for (size_t r = 0; r < sec->nrelocs; r++)
			if (apply_one(p, img, &sec->relocs[r],
				      img->sec_off[s] + sec->relocs[r].offset,
				      seg_of(sec) == SEG_TEXT, err) < 0)
				return -1;
	}
	return 0;
}

void ns_image_free(struct ns_image *img)
{
	free(img->buf);
	free(img->sec_off);
	free(img->sym_addr);
	free(img->stub);
	free(img->got);
	memset(img, 0, sizeof(*img));
}
