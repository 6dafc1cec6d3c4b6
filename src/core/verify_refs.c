/* verify_refs.c — the relocated fields of the code a process runs for a
 * function, resolved and compared with what they referred to in the build
 * a patch was made from (gen/oldrefs.c records that: a symbol and addend,
 * or a string literal's bytes).
 *
 * The checksum skips those fields (the code is linked at other addresses
 * than in the build), so without this a function that differs from the
 * build only in a relocated field (another string, another callee) would
 * pass. Each field is turned back into the address it designates (S + A,
 * for a PC-relative one the field plus its own address) and checked:
 *
 *   - a symbol: the address the process has for it (its module's symbol
 *     table, or for an import what the module's GOT holds), plus the
 *     addend. Reached through a GOT slot (an unrelaxed GOT load) or a jump
 *     through a slot (a PLT entry, an earlier patch's far-call stub), the
 *     slot must hold the symbol's address;
 *   - a string: the bytes at that address, up to and with its NUL.
 *
 * A GOT load the linker relaxed into an immediate or a direct jump is
 * read as it was relaxed; a slot may also hold another module's
 * definition of the name (a copy relocation, an interposition).
 *
 * What cannot be decided is not refused: a symbol the process's module
 * does not have (a function an earlier patch added), an ifunc (its symbol
 * is the resolver), a slot still pointing into the module's PLT (lazy
 * binding not done yet), a field that designates an earlier patch's own
 * data (a variable it transformed: the link that
 * follows refuses what a later patch may not refer to). A call into an
 * earlier patch's own code where the module has a function of that name
 * is that patch's new version of a function whose signature changed: a
 * later patch, whose code binds to the name, would call the old one with
 * the new arguments, so it is refused. The checksum of the rest of
 * the code still holds. Everything read comes from the target and is only
 * compared, never followed further than one slot. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "core/verify_refs.h"
#include "patch/patch_format.h"
#include "proc/mem.h"
#include "util/escape.h"

/* The address field F of CODE (running at ADDR) designates: S + A. */
static uint64_t designated(const struct ns_ref *f, const uint8_t *code, uint64_t addr)
{
	uint64_t p = addr + f->off;
	int32_t s32;
	uint32_t u32;
	uint64_t u64;

	if (ns_reloc_width(f->type) == 8) {
		memcpy(&u64, code + f->off, 8);
		return f->type == 24 ? p + u64 : u64;     /* PC64 : 64 */
	}
	memcpy(&s32, code + f->off, 4);
	memcpy(&u32, code + f->off, 4);
	if (ns_reloc_is_pcrel(f->type))
		return p + (uint64_t)(int64_t)s32;
	return f->type == 10 ? u32 : (uint64_t)(int64_t)s32;  /* 32 : 32S */
}

/* The slot a jump at ADDR goes through ([endbr64] [bnd] jmp *disp(%rip):
 * a PLT entry, a far-call stub), or 0. */
static uint64_t jump_slot(int mem_fd, uint64_t addr)
{
	uint8_t b[12];
	size_t i = 0;
	int32_t disp;

	if (ns_mem_read(mem_fd, addr, b, sizeof(b)) < 0)
		return 0;
	if (b[0] == 0xf3 && b[1] == 0x0f && b[2] == 0x1e && b[3] == 0xfa)
		i = 4;
	if (b[i] == 0xf2)
		i++;
	if (b[i] != 0xff || b[i + 1] != 0x25)
		return 0;
	memcpy(&disp, b + i + 2, 4);
	return addr + i + 6 + (uint64_t)(int64_t)disp;
}

static int read_u64(int mem_fd, uint64_t addr, uint64_t *v)
{
	return addr ? ns_mem_read(mem_fd, addr, v, sizeof(*v)) : -1;
}

/* One function's check: where its code runs, in what process. */
struct vctx {
	const uint8_t *code;      /* the bytes the process runs */
	uint64_t addr;            /* at this address */
	struct ns_target *t;
	struct ns_module *mod;
	const struct ns_registry *reg;
	int mem_fd;
	const char *fn, *where;   /* for messages, escaped */
	struct ns_err *err;
};

/* Where symbol F names lives in the process: 1 and *AT (*TYPE: its STT_
 * type), or 0 if the process's module has no such symbol (nothing to
 * check). */
static int resolve(const struct vctx *c, const struct ns_ref *f, uint64_t *at,
		   unsigned *type)
{
	struct ns_err scratch = { 0 };
	struct ns_symval v;

	if ((ns_module_lookup(c->mod, f->name, f->file, &v, &scratch) == 0 &&
	     v.type != STT_TLS) ||
	    (!f->file && ns_target_resolve_import(c->t, c->mod, c->mem_fd, f->name,
						  &v, &scratch) == 0)) {
		*at = v.addr;
		*type = v.type;
		return 1;
	}
	return 0;
}

/* A name for address A of module M, for messages: "sym+0xN" or the hex. */
static void name_of(struct ns_module *m, uint64_t a, char *buf, size_t len)
{
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;

	snprintf(buf, len, "%#llx", (unsigned long long)a);
	if (a < m->start || a >= m->end)
		return;
	while ((scn = elf_nextscn(m->elf, scn))) {
		Elf_Data *d;
		size_t n;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_SYMTAB ||
		    !sh.sh_entsize || !(d = elf_getdata(scn, NULL)))
			continue;
		n = sh.sh_size / sh.sh_entsize;
		for (size_t i = 1; i < n; i++) {
			GElf_Sym s;
			const char *nm;
			char esc[NS_ESC_SIZE(64)];

			if (!gelf_getsym(d, (int)i, &s) || s.st_shndx == SHN_UNDEF ||
			    GELF_ST_TYPE(s.st_info) == STT_TLS ||
			    a < s.st_value + m->bias ||
			    a >= s.st_value + m->bias + (s.st_size ? s.st_size : 1) ||
			    !(nm = elf_strptr(m->elf, sh.sh_link, s.st_name)) || !*nm)
				continue;
			ns_esc(nm, esc, sizeof(esc));
			snprintf(buf, len, "'%s'+%#llx", esc,
				 (unsigned long long)(a - s.st_value - m->bias));
			return;
		}
	}
}

/* Whether ADDR lies in one of the module's PLT sections: a GOT slot lazy
 * binding has not resolved yet points there. */
static bool in_plt(const struct ns_module *m, uint64_t addr)
{
	Elf_Scn *scn = NULL;
	size_t shstr;
	GElf_Shdr sh;

	if (addr < m->start || addr >= m->end || elf_getshdrstrndx(m->elf, &shstr))
		return false;
	while ((scn = elf_nextscn(m->elf, scn))) {
		const char *n;

		if (!gelf_getshdr(scn, &sh) || !(n = elf_strptr(m->elf, shstr, sh.sh_name)) ||
		    strncmp(n, ".plt", 4))
			continue;
		if (addr - m->bias >= sh.sh_addr && addr - m->bias < sh.sh_addr + sh.sh_size)
			return true;
	}
	return false;
}

/* Whether VALUE is what another module defines under F's name: a copy
 * relocation (the program's copy of a library's variable), an
 * interposition. */
static bool defined_elsewhere(const struct vctx *c, const struct ns_ref *f,
			      uint64_t value)
{
	for (size_t i = 0; !f->file && i < c->t->nmods; i++) {
		struct ns_err scratch = { 0 };
		struct ns_symval v;

		if (&c->t->mods[i] != c->mod &&
		    !ns_module_lookup(&c->t->mods[i], f->name, NULL, &v, &scratch) &&
		    v.addr == value)
			return true;
	}
	return false;
}

/* Whether ADDR lies in the mapping of a patch applied to the process. */
static bool in_patch(const struct vctx *c, uint64_t addr)
{
	for (size_t i = 0; c->reg && i < c->reg->n; i++) {
		const struct ns_rec *r = c->reg->v[i].rec;

		if (addr >= r->base && addr - r->base < r->size)
			return true;
	}
	return false;
}

/* A GOT load the linker relaxed (types 9, 41, 42) into an immediate
 * (mov $sym, %reg; test or an arithmetic op with $sym: the field holds S)
 * or a direct jump (jmp sym; nop: the field moved one byte back). Whether
 * F's field, so read, designates S. */
static bool relaxed_got(const struct vctx *c, const struct ns_ref *f, uint64_t s)
{
	const uint8_t *b = c->code + f->off;
	int32_t v;

	if ((f->type != 9 && f->type != 41 && f->type != 42) || f->off < 2)
		return false;
	memcpy(&v, b, 4);
	if ((b[-2] == 0xc7 || b[-2] == 0x81 || b[-2] == 0xf7) && (b[-1] & 0xc0) == 0xc0)
		return (uint64_t)(int64_t)v == s || (uint64_t)(uint32_t)v == s;
	if (b[-2] == 0xe9 && b[3] == 0x90) {
		memcpy(&v, b - 1, 4);
		return c->addr + f->off - 1 + 4 + (uint64_t)(int64_t)v == s;
	}
	return false;
}

/* Checks symbol reference F, whose field designates X. */
static int check_symbol(const struct vctx *c, const struct ns_ref *f, uint64_t x)
{
	uint64_t s, slot = 0, to = x - (uint64_t)f->addend;
	unsigned type = STT_NOTYPE;
	char have[NS_ESC_SIZE(64) + 32], esc[NS_ESC_SIZE(64)];

	/* An ifunc's symbol is its resolver; the code calls what it chose. */
	if (!resolve(c, f, &s, &type) || type == STT_GNU_IFUNC ||
	    x == s + (uint64_t)f->addend || relaxed_got(c, f, s))
		return 0;
	/* Through a GOT slot (the field designates slot + A), or a call to a
	 * jump through one (a PLT entry, an earlier patch's far-call stub). */
	if (!read_u64(c->mem_fd, to, &slot) && (slot == s || defined_elsewhere(c, f, slot)))
		return 0;
	if (!read_u64(c->mem_fd, jump_slot(c->mem_fd, to), &slot) &&
	    (slot == s || defined_elsewhere(c, f, slot) || in_plt(c->mod, slot)))
		return 0;  /* (in the PLT: lazy binding has not resolved it yet) */
	ns_esc(f->name, esc, sizeof(esc));
	if (in_patch(c, to)) {
		/* An earlier patch's own version of what the module has under
		 * that name: a function whose signature it changed (a later
		 * patch's code, binding by name, would reach the module's old
		 * one), or a variable it transformed (the link that follows
		 * says so). */
		if (type != STT_FUNC)
			return 0;
		return ns_err_set(c->err, "function %s%s calls the new version of '%s' "
				  "that an earlier patch brought (its signature "
				  "changed): a later patch cannot refer to it", c->fn,
				  c->where, esc);
	}
	name_of(c->mod, to, have, sizeof(have));
	return ns_err_set(c->err, "function %s%s differs from the code the patch was "
			  "built against: at +%#x it refers to %s, the build the "
			  "patch was made from to '%s'", c->fn, c->where, f->off, have, esc);
}

/* Checks string reference F, whose field designates X. */
static int check_string(const struct vctx *c, const struct ns_ref *f, uint64_t x)
{
	size_t len = strnlen(f->name, NS_REF_STRING_MAX) + (f->kind == NS_REF_STRING);
	uint64_t at = x + (ns_reloc_is_pcrel(f->type) ? 4 : 0) + (uint64_t)f->addend;
	char live[NS_REF_STRING_MAX + 1] = "";
	char e1[NS_ESC_SIZE(48)], e2[NS_ESC_SIZE(48)];

	if (ns_mem_read(c->mem_fd, at, live, len) == 0 && !memcmp(live, f->name, len))
		return 0;
	live[NS_REF_STRING_MAX] = '\0';
	ns_esc(live, e1, sizeof(e1));
	ns_esc(f->name, e2, sizeof(e2));
	return ns_err_set(c->err, "function %s%s differs from the code the patch was "
			  "built against: at +%#x it refers to the string \"%s\", the "
			  "build the patch was made from to \"%s\"", c->fn, c->where,
			  f->off, e1, e2);
}

int ns_verify_refs(const struct ns_entry *e, const uint8_t *code, uint64_t addr,
		   struct ns_target *t, struct ns_module *mod,
		   const struct ns_registry *reg, int mem_fd, const char *where,
		   struct ns_err *err)
{
	char fn[NS_ESC_SIZE(64)];
	struct vctx c = { .code = code, .addr = addr, .t = t, .mod = mod, .reg = reg,
			  .mem_fd = mem_fd, .fn = fn, .where = where, .err = err };

	ns_esc(e->name, fn, sizeof(fn));
	for (uint32_t i = 0; i < e->nrefs; i++) {
		const struct ns_ref *f = &e->refs[i];
		uint64_t x;

		if ((uint64_t)f->off + ns_reloc_width(f->type) > e->old_size)
			continue;  /* the reader refuses such a patch */
		x = designated(f, code, addr);
		if (f->kind == NS_REF_SYMBOL ? check_symbol(&c, f, x) :
		    check_string(&c, f, x))
			return -1;
	}
	return 0;
}
