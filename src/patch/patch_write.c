/* patch_write.c — serialises a struct ns_patch into an ELF relocatable
 * patch file (layout in patch_format.h), using libelf, seals it
 * (patch_seal.c) and puts it in place with one rename(). The
 * .nonstop.meta section is built by patch_write_meta.c. */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "patch/patch.h"
#include "patch/patch_format.h"
#include "patch/patch_write.h"

/* Everything allocated while writing, released in one place. */
struct writer {
	const struct ns_patch *patch;
	Elf        *elf;
	struct strbuf shstr, str, meta; /* .shstrtab, .strtab, .nonstop.meta */
	uint32_t   *sym_elf;     /* ns sym index -> .symtab index */
	Elf64_Sym  *elfsyms;
	Elf64_Rela **relas;      /* per section, NULL if none */
	size_t      nelfsyms;
	size_t      first_global;
	struct ns_err       *err;
};

static int werr(struct writer *w, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static int werr(struct writer *w, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ns_err_vset(w->err, fmt, ap);
	va_end(ap);
	return -1;
}

/* Appends S with its NUL; returns its offset, or -1 (out of memory / the
 * table would not fit the 32-bit offsets ELF and the meta format use). */
int64_t wr_str(struct strbuf *b, const char *s)
{
	size_t off = b->len;

	if (off > UINT32_MAX - 4096)
		return -1;
	sb_add(b, s, strlen(s) + 1);
	return sb_failed(b) ? -1 : (int64_t)off;
}

static Elf_Scn *new_section(struct writer *w, const char *name,
			    const GElf_Shdr *tmpl, void *data, size_t size,
			    Elf_Type dtype, size_t dalign)
{
	Elf_Scn *scn = elf_newscn(w->elf);
	Elf_Data *d;
	GElf_Shdr sh = *tmpl;
	int64_t noff;

	if (!scn)
		return NULL;
	noff = wr_str(&w->shstr, name);
	if (noff < 0)
		return NULL;
	sh.sh_name = (Elf64_Word)noff;
	d = elf_newdata(scn);
	if (!d)
		return NULL;
	d->d_buf = data;
	d->d_size = size;
	d->d_type = dtype;
	d->d_align = dalign ? dalign : 1;
	d->d_version = EV_CURRENT;
	if (!gelf_update_shdr(scn, &sh))
		return NULL;
	return scn;
}

/* Orders symbols: the null symbol, the patch's locals (ELF wants them first),
 * then everything else. NS_SYM_TARGET symbols are always written as global
 * undefined symbols: a local undefined symbol means nothing to ELF tools. */
static int is_elf_local(const struct ns_sym *s)
{
	return s->kind == NS_SYM_DEFINED && s->bind == STB_LOCAL;
}

static int build_symtab(struct writer *w)
{
	const struct ns_patch *p = w->patch;
	size_t n = p->nsyms ? p->nsyms : 1, k = 1;

	w->sym_elf = calloc(n, sizeof(*w->sym_elf));
	w->elfsyms = calloc(n, sizeof(*w->elfsyms));
	if (!w->sym_elf || !w->elfsyms)
		return werr(w, "patch writer: out of memory (symbols)");
	sb_add(&w->str, "", 1);
	if (sb_failed(&w->str))
		return werr(w, "patch writer: out of memory (strtab)");
	for (int pass = 0; pass < 2; pass++) {
		if (pass == 1)
			w->first_global = k;
		for (size_t i = 1; i < n; i++) {
			const struct ns_sym *s = &p->syms[i];
			Elf64_Sym *e;
			int64_t noff = 0;

			if (is_elf_local(s) != (pass == 0))
				continue;
			e = &w->elfsyms[k];
			w->sym_elf[i] = (uint32_t)k++;
			if (!s->name)
				return werr(w, "patch writer: symbol %zu has no name", i);
			if (*s->name && (noff = wr_str(&w->str, s->name)) < 0)
				return werr(w, "patch writer: out of memory (strtab)");
			e->st_name = (Elf64_Word)noff;
			e->st_size = s->size;
			if (s->kind == NS_SYM_DEFINED) {
				if (s->section >= p->nsections)
					return werr(w, "patch writer: symbol '%s' in section %u of %zu",
						    s->name, s->section, p->nsections);
				e->st_shndx = (Elf64_Half)(s->section + 1);
				e->st_value = s->value;
				e->st_info = ELF64_ST_INFO(s->bind, s->type);
			} else if (s->kind == NS_SYM_TARGET) {
				e->st_shndx = SHN_UNDEF;
				e->st_info = ELF64_ST_INFO(STB_GLOBAL,
					s->type == STT_SECTION ? STT_NOTYPE : s->type);
			} else {
				return werr(w, "patch writer: symbol '%s' has unknown kind %u",
					    s->name, s->kind);
			}
		}
	}
	w->nelfsyms = k;
	return 0;
}

static int write_content_sections(struct writer *w)
{
	const struct ns_patch *p = w->patch;

	if (p->nsections > 0xff00 / 2 - 8)
		return werr(w, "patch writer: too many sections (%zu)", p->nsections);
	for (size_t i = 0; i < p->nsections; i++) {
		const struct ns_section *s = &p->sections[i];
		GElf_Shdr sh = { 0 };

		if (!s->name || !s->align || (s->align & (s->align - 1)))
			return werr(w, "patch writer: section %zu: bad name or alignment", i);
		sh.sh_type = s->type;
		sh.sh_flags = s->flags;
		sh.sh_addralign = s->align;
		sh.sh_size = s->size;
		/* NOBITS data still needs a size: libelf takes it from d_size,
		 * with a NULL buffer. */
		if (!new_section(w, s->name, &sh,
				 s->type == SHT_NOBITS ? NULL : s->data, s->size,
				 ELF_T_BYTE, s->align))
			return werr(w, "patch writer: section %s: %s", s->name,
				    elf_errmsg(-1));
	}
	return 0;
}

static int write_rela_sections(struct writer *w, size_t symtab_index)
{
	const struct ns_patch *p = w->patch;

	w->relas = calloc(p->nsections ? p->nsections : 1, sizeof(*w->relas));
	if (!w->relas)
		return werr(w, "patch writer: out of memory (relocations)");
	for (size_t i = 0; i < p->nsections; i++) {
		const struct ns_section *s = &p->sections[i];
		GElf_Shdr sh = { 0 };
		char *name;
		Elf_Scn *scn;

		if (!s->nrelocs)
			continue;
		w->relas[i] = calloc(s->nrelocs, sizeof(Elf64_Rela));
		if (!w->relas[i])
			return werr(w, "patch writer: out of memory (relocations)");
		for (size_t r = 0; r < s->nrelocs; r++) {
			const struct ns_reloc *rl = &s->relocs[r];

			if (rl->sym == 0 || rl->sym >= p->nsyms)
				return werr(w, "patch writer: section %s reloc %zu: bad symbol %u",
					    s->name, r, rl->sym);
			w->relas[i][r].r_offset = rl->offset;
			w->relas[i][r].r_info = ELF64_R_INFO(w->sym_elf[rl->sym], rl->type);
			w->relas[i][r].r_addend = rl->addend;
		}
		sh.sh_type = SHT_RELA;
		sh.sh_flags = SHF_INFO_LINK;
		sh.sh_link = (Elf64_Word)symtab_index;
		sh.sh_info = (Elf64_Word)(i + 1);
		sh.sh_entsize = sizeof(Elf64_Rela);
		sh.sh_addralign = 8;
		if (asprintf(&name, ".rela%s", s->name) < 0)
			return werr(w, "patch writer: out of memory");
		scn = new_section(w, name, &sh, w->relas[i],
				  s->nrelocs * sizeof(Elf64_Rela), ELF_T_RELA, 8);
		free(name);
		if (!scn)
			return werr(w, "patch writer: .rela%s: %s", s->name, elf_errmsg(-1));
	}
	return 0;
}

/* Creates the ELF header and every section; the buffers in W must outlive
 * elf_update(). */
static int build_elf(struct writer *w)
{
	const struct ns_patch *p = w->patch;
	GElf_Ehdr eh;
	GElf_Shdr sh = { 0 };
	size_t nrela = 0, symtab_index, strtab_index;
	Elf_Scn *scn;

	if (!gelf_newehdr(w->elf, ELFCLASS64) || !gelf_getehdr(w->elf, &eh))
		return werr(w, "patch writer: ELF header: %s", elf_errmsg(-1));
	eh.e_ident[EI_DATA] = ELFDATA2LSB;
	eh.e_ident[EI_OSABI] = ELFOSABI_NONE;
	eh.e_type = ET_REL;
	eh.e_machine = EM_X86_64;
	eh.e_version = EV_CURRENT;
	sb_add(&w->shstr, "", 1);
	if (sb_failed(&w->shstr))
		return werr(w, "patch writer: out of memory");
	if (build_symtab(w) || write_content_sections(w))
		return -1;
	for (size_t i = 0; i < p->nsections; i++)
		nrela += p->sections[i].nrelocs != 0;
	symtab_index = p->nsections + nrela + 1;
	strtab_index = symtab_index + 1;
	if (write_rela_sections(w, symtab_index))
		return -1;

	sh.sh_type = SHT_SYMTAB;
	sh.sh_link = (Elf64_Word)strtab_index;
	sh.sh_info = (Elf64_Word)w->first_global;
	sh.sh_entsize = sizeof(Elf64_Sym);
	sh.sh_addralign = 8;
	scn = new_section(w, ".symtab", &sh, w->elfsyms,
			  w->nelfsyms * sizeof(Elf64_Sym), ELF_T_SYM, 8);
	if (!scn || elf_ndxscn(scn) != symtab_index)
		return werr(w, "patch writer: .symtab: %s", elf_errmsg(-1));

	memset(&sh, 0, sizeof(sh));
	sh.sh_type = SHT_STRTAB;
	sh.sh_addralign = 1;
	if (!new_section(w, ".strtab", &sh, w->str.p, w->str.len, ELF_T_BYTE, 1))
		return werr(w, "patch writer: .strtab: %s", elf_errmsg(-1));

	if (wr_meta(p, w->sym_elf, &w->meta, w->err))
		return -1;
	sh.sh_type = SHT_PROGBITS;
	sh.sh_addralign = 8;
	if (!new_section(w, NS_META_SECTION, &sh, w->meta.p, w->meta.len, ELF_T_BYTE, 8))
		return werr(w, "patch writer: %s: %s", NS_META_SECTION, elf_errmsg(-1));

	sh.sh_type = SHT_STRTAB;
	sh.sh_addralign = 1;
	/* .shstrtab names itself: add its name before handing over the buffer. */
	{
		int64_t noff = wr_str(&w->shstr, ".shstrtab");
		Elf_Data *d;

		if (noff < 0 || !(scn = elf_newscn(w->elf)) || !(d = elf_newdata(scn)))
			return werr(w, "patch writer: .shstrtab: %s", elf_errmsg(-1));
		sh.sh_name = (Elf64_Word)noff;
		d->d_buf = w->shstr.p;
		d->d_size = w->shstr.len;
		d->d_type = ELF_T_BYTE;
		d->d_align = 1;
		d->d_version = EV_CURRENT;
		if (!gelf_update_shdr(scn, &sh))
			return werr(w, "patch writer: .shstrtab: %s", elf_errmsg(-1));
		eh.e_shstrndx = (Elf64_Half)elf_ndxscn(scn);
	}
	if (!gelf_update_ehdr(w->elf, &eh))
		return werr(w, "patch writer: ELF header: %s", elf_errmsg(-1));
	return 0;
}

/* Reads back the LEN bytes libelf wrote to FD, into a new buffer. */
static uint8_t *read_back(int fd, size_t len)
{
	uint8_t *buf = malloc(len ? len : 1);
	size_t got = 0;

	while (buf && got < len) {
		ssize_t n = pread(fd, buf + got, len - got, (off_t)got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			free(buf);
			return NULL;
		}
		got += (size_t)n;
	}
	return buf;
}

/* Appends the seal of the LEN bytes of FD (patch_seal.h), signed with KEY
 * unless it is NULL, and makes the file durable. */
static int append_seal(struct writer *w, int fd, size_t len,
		       const struct ns_sign_key *key, const char *path)
{
	uint8_t seal[NS_SEAL_SIZE];
	uint8_t *body = read_back(fd, len);
	size_t done = 0;

	if (!body)
		return werr(w, "patch file %s: reading it back: %s", path,
			    strerror(errno ? errno : EIO));
	if (ns_seal_make(body, len, key, seal, w->err)) {
		free(body);
		return ns_err_wrap(w->err, "patch file %s", path);
	}
	free(body);
	while (done < sizeof(seal)) {
		ssize_t n = pwrite(fd, seal + done, sizeof(seal) - done,
				   (off_t)(len + done));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return werr(w, "patch file %s: writing its seal: %s", path,
				    strerror(n ? errno : ENOSPC));
		done += (size_t)n;
	}
	if (fsync(fd))
		return werr(w, "patch file %s: %s", path, strerror(errno));
	return 0;
}

/* Creates the temporary file PATH is written as: PATH.XXXXXX, a new file
 * (O_EXCL: never an existing file or a symlink planted at that name) in
 * PATH's directory, so that rename() can put it in place; mode 0644 minus
 * the umask, as open() would have made PATH. */
static int open_temp(struct writer *w, const char *path, char **tmp)
{
	mode_t mask;
	int fd;

	if (asprintf(tmp, "%s.XXXXXX", path) < 0) {
		*tmp = NULL;
		return werr(w, "patch file %s: out of memory", path);
	}
	fd = mkostemp(*tmp, O_CLOEXEC);
	if (fd < 0) {
		werr(w, "patch file %s: cannot create a temporary file next to "
		     "it: %s", path, strerror(errno));
		free(*tmp);
		*tmp = NULL;
		return -1;
	}
	/* umask() can only be read by setting it: put back at once (nonstop
	 * build is single-threaded). */
	mask = umask(0);
	umask(mask);
	if (fchmod(fd, 0644 & ~mask)) {
		werr(w, "patch file %s: chmod %s: %s", path, *tmp, strerror(errno));
		close(fd);
		unlink(*tmp);
		free(*tmp);
		*tmp = NULL;
		return -1;
	}
	return fd;
}

static void free_writer(struct writer *w)
{
	if (w->relas)
		for (size_t i = 0; i < w->patch->nsections; i++)
			free(w->relas[i]);
	free(w->relas);
	free(w->sym_elf);
	free(w->elfsyms);
	sb_free(&w->shstr);
	sb_free(&w->str);
	sb_free(&w->meta);
}

/* What PATH is now may be replaced: nothing, a regular file, a symlink
 * (replaced, not followed). Not a device, a FIFO or a socket: rename()
 * would put a patch in /dev/null's place (`-o /dev/null`), a temporary
 * file first in its directory. (A directory makes rename() fail.) */
static int check_target(struct writer *w, const char *path)
{
	struct stat st;

	if (lstat(path, &st) < 0 || S_ISREG(st.st_mode) || S_ISLNK(st.st_mode) ||
	    S_ISDIR(st.st_mode))
		return 0;
	return werr(w, "patch file %s: is a %s, not a regular file: nonstop "
		    "writes a patch only to a new file or over a regular file",
		    path, S_ISCHR(st.st_mode) ? "character device" :
		    S_ISBLK(st.st_mode) ? "block device" :
		    S_ISFIFO(st.st_mode) ? "FIFO" : "socket");
}

int ns_patch_write(const char *path, const struct ns_patch *patch,
		   const struct ns_sign_key *key, struct ns_err *err)
{
	struct writer w = { .patch = patch, .err = err };
	char *tmp = NULL;
	int fd, rc = -1;
	off_t len;

	if (elf_version(EV_CURRENT) == EV_NONE)
		return werr(&w, "patch writer: libelf: %s", elf_errmsg(-1));
	if (check_target(&w, path))
		return -1;
	fd = open_temp(&w, path, &tmp);
	if (fd < 0)
		return -1;
	w.elf = elf_begin(fd, ELF_C_WRITE, NULL);
	if (!w.elf) {
		werr(&w, "patch file %s: %s", path, elf_errmsg(-1));
		goto out;
	}
	if (build_elf(&w))
		goto out;
	len = elf_update(w.elf, ELF_C_WRITE);
	if (len < 0) {
		werr(&w, "patch file %s: writing: %s", path, elf_errmsg(-1));
		goto out;
	}
	elf_end(w.elf);
	w.elf = NULL;
	if (append_seal(&w, fd, (size_t)len, key, path))
		goto out;
	rc = 0;
out:
	if (w.elf)
		elf_end(w.elf);
	if (close(fd) && rc == 0)
		rc = werr(&w, "patch file %s: %s", path, strerror(errno));
	/* rename() replaces whatever PATH is (a symlink too) without
	 * following it. */
	if (rc == 0 && rename(tmp, path))
		rc = werr(&w, "patch file %s: renaming %s to it: %s", path, tmp,
			  strerror(errno));
	if (rc)
		unlink(tmp);
	free(tmp);
	free_writer(&w);
	return rc;
}
