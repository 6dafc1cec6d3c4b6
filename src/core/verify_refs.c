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
 * What cannot be decided is not refused: a symbol the process's module
 * does not have (a function an earlier patch added), a slot still pointing
 * into the module (lazy binding not done yet), a field that designates an
 * earlier patch's own data (a variable it transformed: the link that
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

/* Where symbol F names lives in the process: 1 and *AT (*TYPE: its STT_
 * type), or 0 if the process's module has no such symbol (nothing to
 * check). */
static int resolve(const struct ns_ref *f, struct ns_target *t,
		   struct ns_module *mod, int mem_fd, uint64_t *at, unsigned *type)
{
	struct ns_err scratch = { 0 };
	struct ns_symval v;

	if ((ns_module_lookup(mod, f->name, f->file, &v, &scratch) == 0 &&
	     v.type != STT_TLS) ||
	    (!f->file && ns_target_resolve_import(t, mod, mem_fd, f->name, &v,
						  &scratch) == 0)) {
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

/* Whether ADDR lies in a module of T (not in a patch's mapping). */
static bool in_a_module(const struct ns_target *t, uint64_t addr)
{
	for (size_t i = 0; i < t->nmods; i++)
		if (addr >= t->mods[i].start && addr < t->mods[i].end)
			return true;
	return false;
}

/* Checks symbol reference F, whose field designates X. */
static int check_symbol(const struct ns_ref *f, uint64_t x, struct ns_target *t,
			struct ns_module *mod, int mem_fd, const char *fn,
			const char *where, struct ns_err *err)
{
	uint64_t s, slot = 0;
	unsigned type = STT_NOTYPE;
	char have[NS_ESC_SIZE(64) + 32], esc[NS_ESC_SIZE(64)];

	if (!resolve(f, t, mod, mem_fd, &s, &type) || x == s + (uint64_t)f->addend)
		return 0;
	/* Through a GOT slot (the field designates slot + A), or a call to a
	 * jump through one (the field designates target + A). */
	if (!read_u64(mem_fd, x - (uint64_t)f->addend, &slot) && slot == s)
		return 0;
	if (!read_u64(mem_fd, jump_slot(mem_fd, x - (uint64_t)f->addend), &slot)) {
		if (slot == s)
			return 0;
		if (slot >= mod->start && slot < mod->end && s < mod->start)
			return 0;  /* lazy binding: the slot is not resolved yet */
	}
	ns_esc(f->name, esc, sizeof(esc));
	if (!in_a_module(t, x - (uint64_t)f->addend)) {
		/* An earlier patch's own version of what the module has under
		 * that name: a function whose signature it changed (a later
		 * patch's code, binding by name, would reach the module's old
		 * one), or a variable it transformed (the link that follows
		 * says so). */
		if (type != STT_FUNC && type != STT_GNU_IFUNC)
			return 0;
		return ns_err_set(err, "function %s%s calls the new version of '%s' "
				  "that an earlier patch brought (its signature "
				  "changed): a later patch cannot refer to it", fn,
				  where, esc);
	}
	name_of(mod, x - (uint64_t)f->addend, have, sizeof(have));
	return ns_err_set(err, "function %s%s differs from the code the patch was "
			  "built against: at +%#x it refers to %s, the build the "
			  "patch was made from to '%s'", fn, where, f->off, have, esc);
}

/* Checks string reference F, whose field designates X. */
static int check_string(const struct ns_ref *f, uint64_t x, int mem_fd,
			const char *fn, const char *where, struct ns_err *err)
{
	size_t len = strnlen(f->name, NS_REF_STRING_MAX) + (f->kind == NS_REF_STRING);
	uint64_t at = x + (ns_reloc_is_pcrel(f->type) ? 4 : 0);
	char live[NS_REF_STRING_MAX + 1] = "";
	char e1[NS_ESC_SIZE(48)], e2[NS_ESC_SIZE(48)];

	if (ns_mem_read(mem_fd, at, live, len) == 0 && !memcmp(live, f->name, len))
		return 0;
	live[NS_REF_STRING_MAX] = '\0';
	ns_esc(live, e1, sizeof(e1));
	ns_esc(f->name, e2, sizeof(e2));
	return ns_err_set(err, "function %s%s differs from the code the patch was "
			  "built against: at +%#x it refers to the string \"%s\", the "
			  "build the patch was made from to \"%s\"", fn, where, f->off,
			  e1, e2);
}

int ns_verify_refs(const struct ns_entry *e, const uint8_t *code, uint64_t addr,
		   struct ns_target *t, struct ns_module *mod, int mem_fd,
		   const char *where, struct ns_err *err)
{
	char fn[NS_ESC_SIZE(64)];

	ns_esc(e->name, fn, sizeof(fn));
	for (uint32_t i = 0; i < e->nrefs; i++) {
		const struct ns_ref *f = &e->refs[i];
		uint64_t x;

		if ((uint64_t)f->off + ns_reloc_width(f->type) > e->old_size)
			continue;  /* the reader refuses such a patch */
		x = designated(f, code, addr);
		if (f->kind == NS_REF_SYMBOL ?
		    check_symbol(f, x, t, mod, mem_fd, fn, where, err) :
		    check_string(f, x, mem_fd, fn, where, err))
			return -1;
	}
	return 0;
}
