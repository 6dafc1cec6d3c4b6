/* patch_elf.c — an applied patch's code as an ELF file that libdwfl can
 * unwind through (see patch_elf.h).
 *
 * libdwfl finds a module's CFI and symbols in its ELF file. A patch's
 * mapping is a memfd whose first page is a nonstop record, not an ELF
 * image, so libdwfl finds nothing there and every frame inside new code
 * used to end the unwind. From the record (a fresh nonstop has nothing
 * else) we write, with libelf, the ELF file that such a mapping would have
 * come from: one PT_LOAD covering the mapping at its own address (so the
 * module's load bias is 0 and every address below is the target's), a
 * NOBITS .text over the patch's code, the .eh_frame bytes as they are in
 * the target at the address they have there (their pc-relative pointers
 * then decode to the right code), and a .symtab of the record's function
 * table. libelf writes only to a file descriptor: the file is a memfd of
 * nonstop's own, handed to libdwfl, which reads it like any other ELF. */
#include <errno.h>
#include <gelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "proc/mem.h"
#include "transition/patch_elf.h"

#define MAX_EH_FRAME (16u << 20)

/* Section indices of the file. */
enum { S_TEXT = 1, S_EH_FRAME, S_SYMTAB, S_STRTAB, S_SHSTRTAB };

struct pelf {
	const struct ns_rec *rec;
	Elf       *elf;
	uint8_t   *eh;          /* the .eh_frame bytes read from the target */
	Elf64_Sym *syms;
	char      *str;         /* .strtab */
	size_t     strlen;
	struct ns_err      *err;
};

static const char shstr[] = "\0.text\0.eh_frame\0.symtab\0.strtab\0.shstrtab";
#define N_TEXT 1
#define N_EH_FRAME 7
#define N_SYMTAB 17
#define N_STRTAB 25
#define N_SHSTRTAB 33

static int fail(struct pelf *p, const char *what)
{
	ns_err_set(p->err, "patch '%s': cannot describe its code for "
		 "unwinding: %s: %s", p->rec->name, what, elf_errmsg(-1));
	return -1;
}

static int add_section(struct pelf *p, size_t want, Elf64_Word name,
		       const GElf_Shdr *tmpl, void *buf, size_t size,
		       Elf_Type type)
{
	Elf_Scn *scn = elf_newscn(p->elf);
	GElf_Shdr sh = *tmpl;
	Elf_Data *d;

	if (!scn || elf_ndxscn(scn) != want || !(d = elf_newdata(scn)))
		return fail(p, "section");
	d->d_buf = buf;
	d->d_size = size;
	d->d_type = type;
	d->d_align = sh.sh_addralign ? sh.sh_addralign : 1;
	d->d_version = EV_CURRENT;
	sh.sh_name = name;
	return gelf_update_shdr(scn, &sh) ? 0 : fail(p, "section header");
}

/* The symbol table: the null symbol, then one global function per entry
 * of the record's table that lies in the patch's code. */
static size_t build_syms(struct pelf *p)
{
	const struct ns_rec *r = p->rec;
	const struct ns_rec_sym *t = ns_rec_syms((struct ns_rec *)r);
	size_t n = 1;

	p->str[0] = 0;
	p->strlen = 1;
	for (uint32_t i = 0; i < r->nsyms; i++) {
		Elf64_Sym *s = &p->syms[n];
		size_t len = strnlen(t[i].name, NS_NAME_MAX - 1);

		if (t[i].addr < r->code_start || t[i].addr >= r->code_end || !len)
			continue;
		s->st_name = (Elf64_Word)p->strlen;
		s->st_value = t[i].addr;
		s->st_size = t[i].size;
		s->st_info = ELF64_ST_INFO(STB_GLOBAL, STT_FUNC);
		s->st_shndx = S_TEXT;
		memcpy(p->str + p->strlen, t[i].name, len);
		p->str[p->strlen + len] = 0;
		p->strlen += len + 1;
		n++;
	}
	return n;
}

static int build(struct pelf *p)
{
	const struct ns_rec *r = p->rec;
	GElf_Ehdr eh;
	GElf_Phdr ph = { .p_type = PT_LOAD, .p_flags = PF_R | PF_X,
			 .p_vaddr = r->base, .p_paddr = r->base,
			 .p_memsz = r->size, .p_align = 4096 };
	GElf_Shdr sh = { 0 };
	size_t nsyms;

	if (!gelf_newehdr(p->elf, ELFCLASS64) || !gelf_getehdr(p->elf, &eh))
		return fail(p, "ELF header");
	eh.e_ident[EI_DATA] = ELFDATA2LSB;
	eh.e_type = ET_DYN;
	eh.e_machine = EM_X86_64;
	eh.e_version = EV_CURRENT;
	eh.e_shstrndx = S_SHSTRTAB;
	if (!gelf_update_ehdr(p->elf, &eh) || !gelf_newphdr(p->elf, 1) ||
	    !gelf_update_phdr(p->elf, 0, &ph))
		return fail(p, "program header");

	sh = (GElf_Shdr) { .sh_type = SHT_NOBITS, .sh_flags = SHF_ALLOC | SHF_EXECINSTR,
			   .sh_addr = r->code_start, .sh_addralign = 16,
			   .sh_size = r->code_end - r->code_start };
	if (add_section(p, S_TEXT, N_TEXT, &sh, NULL, sh.sh_size, ELF_T_BYTE))
		return -1;
	sh = (GElf_Shdr) { .sh_type = SHT_PROGBITS, .sh_flags = SHF_ALLOC,
			   .sh_addr = r->eh_frame, .sh_addralign = 1 };
	if (add_section(p, S_EH_FRAME, N_EH_FRAME, &sh, p->eh, r->eh_frame_size,
			ELF_T_BYTE))
		return -1;
	nsyms = build_syms(p);
	sh = (GElf_Shdr) { .sh_type = SHT_SYMTAB, .sh_link = S_STRTAB, .sh_info = 1,
			   .sh_entsize = sizeof(Elf64_Sym), .sh_addralign = 8 };
	if (add_section(p, S_SYMTAB, N_SYMTAB, &sh, p->syms,
			nsyms * sizeof(Elf64_Sym), ELF_T_SYM))
		return -1;
	sh = (GElf_Shdr) { .sh_type = SHT_STRTAB, .sh_addralign = 1 };
	if (add_section(p, S_STRTAB, N_STRTAB, &sh, p->str, p->strlen, ELF_T_BYTE) ||
	    add_section(p, S_SHSTRTAB, N_SHSTRTAB, &sh, (void *)shstr, sizeof(shstr),
			ELF_T_BYTE))
		return -1;
	if (elf_update(p->elf, ELF_C_WRITE) < 0)
		return fail(p, "writing");
	return 0;
}

int ns_patch_elf(int mem_fd, const struct ns_rec *rec, struct ns_err *err)
{
	struct pelf p = { .rec = rec, .err = err };
	int fd = -1, rc = -1;

	if (!rec->eh_frame || !rec->eh_frame_size || rec->eh_frame_size > MAX_EH_FRAME ||
	    rec->code_end <= rec->code_start) {
		ns_err_set(err, "patch '%s' has no unwind info", rec->name);
		return -1;
	}
	p.eh = malloc(rec->eh_frame_size);
	p.syms = calloc((size_t)rec->nsyms + 1, sizeof(*p.syms));
	p.str = malloc((size_t)rec->nsyms * NS_NAME_MAX + 1);
	if (!p.eh || !p.syms || !p.str) {
		ns_err_set(err, "out of memory");
		goto out;
	}
	if (ns_mem_read(mem_fd, rec->eh_frame, p.eh, rec->eh_frame_size) < 0) {
		ns_err_set(err, "patch '%s': cannot read its unwind info: %s",
			 rec->name, strerror(errno));
		goto out;
	}
	fd = memfd_create("nonstop-unwind", MFD_CLOEXEC);
	if (fd < 0) {
		ns_err_set(err, "memfd_create: %s", strerror(errno));
		goto out;
	}
	if (elf_version(EV_CURRENT) == EV_NONE ||
	    !(p.elf = elf_begin(fd, ELF_C_WRITE, NULL))) {
		fail(&p, "libelf");
		goto out;
	}
	if (build(&p) < 0)
		goto out;
	rc = 0;
out:
	if (p.elf)
		elf_end(p.elf);
	free(p.eh);
	free(p.syms);
	free(p.str);
	if (rc < 0 && fd >= 0) {
		close(fd);
		fd = -1;
	}
	if (fd >= 0 && lseek(fd, 0, SEEK_SET) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}
