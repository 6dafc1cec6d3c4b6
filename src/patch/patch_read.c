/* patch_read.c — loads a patch file into a struct ns_patch: opens it
 * safely (no symlink, no FIFO, bounded size), checks its seal
 * (patch_seal.c) before anything else, then validates every field: a
 * damaged, truncated or hostile file is an error with a message, never a
 * crash. This file reads the ELF object (sections, symbols, relocations,
 * the .eh_frame); patch_read_meta.c the records of .nonstop.meta. Layout
 * in patch_format.h. */
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
#include "patch/patch_cfi.h"
#include "patch/patch_format.h"
#include "patch/patch_read.h"
#include "util/checksum.h"

int rd_err(struct reader *r, const char *fmt, ...)
{
	char what[NS_ERR_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	return ns_err_set(r->err, "patch file %s: %s", r->path, what);
}

/* What a file of mode MODE is, for a refusal. */
static const char *file_kind(mode_t mode)
{
	switch (mode & S_IFMT) {
	case S_IFDIR:  return "a directory";
	case S_IFIFO:  return "a FIFO";
	case S_IFCHR:  return "a character device";
	case S_IFBLK:  return "a block device";
	case S_IFSOCK: return "a socket";
	default:       return "not a regular file";
	}
}

/* Opens the patch file without following a symlink at its path (whoever
 * could plant one there would choose what nonstop reads) and without
 * blocking on a FIFO; it must be a regular file of at most
 * NS_PATCH_MAX_FILE bytes, checked before a byte is read. */
static int open_patch(struct reader *r, size_t *size)
{
	struct stat st;
	int fd = open(r->path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);

	if (fd < 0) {
		int e = errno;

		if (e == ELOOP && !lstat(r->path, &st) && S_ISLNK(st.st_mode))
			return rd_err(r, "is a symbolic link, and nonstop does not "
				    "follow one: name the patch file itself");
		return rd_err(r, "%s", strerror(e));
	}
	if (fstat(fd, &st)) {
		rd_err(r, "%s", strerror(errno));
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		rd_err(r, "is %s, not a regular file", file_kind(st.st_mode));
		goto fail;
	}
	if ((uint64_t)st.st_size > NS_PATCH_MAX_FILE) {
		rd_err(r, "%lld bytes, more than the %u bytes (%u MiB) a patch file "
		     "may have", (long long)st.st_size, NS_PATCH_MAX_FILE,
		     NS_PATCH_MAX_FILE >> 20);
		goto fail;
	}
	*size = (size_t)st.st_size;
	return fd;
fail:
	close(fd);
	return -1;
}

/* Reads the whole patch file into r->buf. */
static int read_file(struct reader *r)
{
	size_t got = 0;
	int fd = open_patch(r, &r->size);

	if (fd < 0)
		return -1;
	r->buf = malloc(r->size ? r->size : 1);
	if (!r->buf) {
		close(fd);
		return rd_err(r, "out of memory");
	}
	while (got < r->size) {
		ssize_t n = read(fd, r->buf + got, r->size - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			close(fd);
			return rd_err(r, "read: %s", n ? strerror(errno) : "file shrank");
		}
		got += (size_t)n;
	}
	close(fd);
	return 0;
}

static int check_elf_header(struct reader *r)
{
	GElf_Ehdr eh;
	size_t shstrndx;

	if (r->size < sizeof(Elf64_Ehdr))
		return rd_err(r, "truncated (%zu bytes, not even an ELF header)", r->size);
	r->elf = elf_memory((char *)r->buf, r->size);
	if (!r->elf || elf_kind(r->elf) != ELF_K_ELF)
		return rd_err(r, "not an ELF file");
	if (gelf_getclass(r->elf) != ELFCLASS64 || !gelf_getehdr(r->elf, &eh))
		return rd_err(r, "not an ELF64 file");
	if (eh.e_ident[EI_DATA] != ELFDATA2LSB || eh.e_type != ET_REL ||
	    eh.e_machine != EM_X86_64)
		return rd_err(r, "not an x86-64 little-endian ELF relocatable");
	if (elf_getshdrnum(r->elf, &r->shnum) || r->shnum < 2 ||
	    elf_getshdrstrndx(r->elf, &shstrndx) || shstrndx >= r->shnum)
		return rd_err(r, "truncated or bad section header table");
	/* The section header table itself must lie inside the file. */
	if (eh.e_shoff > r->size || eh.e_shentsize != sizeof(Elf64_Shdr) ||
	    r->shnum > (r->size - eh.e_shoff) / sizeof(Elf64_Shdr))
		return rd_err(r, "truncated section header table");
	return 0;
}

static const char *section_name(struct reader *r, GElf_Shdr *sh)
{
	size_t shstrndx;

	if (elf_getshdrstrndx(r->elf, &shstrndx))
		return NULL;
	return elf_strptr(r->elf, shstrndx, sh->sh_name);
}

/* Every section's bytes must lie inside the file; finds .symtab and the meta
 * section. */
static int scan_sections(struct reader *r)
{
	Elf_Scn *meta = NULL;

	for (size_t i = 1; i < r->shnum; i++) {
		Elf_Scn *scn = elf_getscn(r->elf, i);
		GElf_Shdr sh;
		const char *name;

		if (!scn || !gelf_getshdr(scn, &sh))
			return rd_err(r, "section %zu: bad header", i);
		if (sh.sh_type != SHT_NOBITS &&
		    (sh.sh_offset > r->size || sh.sh_size > r->size - sh.sh_offset))
			return rd_err(r, "truncated (section %zu extends past the end)", i);
		name = section_name(r, &sh);
		if (!name)
			return rd_err(r, "section %zu: bad name", i);
		if (sh.sh_type == SHT_SYMTAB) {
			if (r->symtab)
				return rd_err(r, "more than one symbol table");
			r->symtab = i;
		} else if (!strcmp(name, NS_META_SECTION)) {
			if (meta)
				return rd_err(r, "more than one %s section", NS_META_SECTION);
			meta = scn;
		} else if (sh.sh_type == SHT_REL) {
			return rd_err(r, "section %s: REL relocations are not supported", name);
		}
	}
	if (!meta)
		return rd_err(r, "no %s section (not a nonstop patch)", NS_META_SECTION);
	if (!r->symtab)
		return rd_err(r, "no symbol table");
	{
		Elf_Data *d = elf_rawdata(meta, NULL);

		if (!d || !d->d_buf)
			return rd_err(r, "truncated metadata");
		r->meta = d->d_buf;
		r->metasize = d->d_size;
	}
	return 0;
}

static int load_sections(struct reader *r, struct ns_patch *p)
{
	p->sections = calloc(r->h.nsections ? r->h.nsections : 1, sizeof(*p->sections));
	if (!p->sections)
		return rd_err(r, "out of memory");
	p->nsections = r->h.nsections;
	for (size_t i = 0; i < p->nsections; i++) {
		struct ns_section *s = &p->sections[i];
		Elf_Scn *scn = elf_getscn(r->elf, i + 1);
		GElf_Shdr sh;
		const char *name;

		if (!scn || !gelf_getshdr(scn, &sh) || !(name = section_name(r, &sh)))
			return rd_err(r, "section %zu: bad header", i + 1);
		if (sh.sh_type != SHT_PROGBITS && sh.sh_type != SHT_NOBITS &&
		    (sh.sh_type != SHT_X86_64_UNWIND || strcmp(name, NS_CFI_SECTION)))
			return rd_err(r, "section %s: type %u is neither PROGBITS nor NOBITS",
				    name, sh.sh_type);
		if (!sh.sh_addralign || (sh.sh_addralign & (sh.sh_addralign - 1)) ||
		    sh.sh_addralign > (1u << 16))
			return rd_err(r, "section %s: alignment %lu is not a power of two",
				    name, (unsigned long)sh.sh_addralign);
		if (!(sh.sh_flags & SHF_ALLOC))
			return rd_err(r, "section %s: not SHF_ALLOC", name);
		s->name = strdup(name);
		s->type = sh.sh_type;
		s->flags = sh.sh_flags;
		s->align = sh.sh_addralign;
		s->size = sh.sh_size;
		if (!s->name)
			return rd_err(r, "out of memory");
		if (sh.sh_type == SHT_NOBITS || !sh.sh_size)
			continue;
		s->data = malloc(sh.sh_size);
		if (!s->data)
			return rd_err(r, "out of memory");
		/* scan_sections() checked the range against the file size. */
		memcpy(s->data, r->buf + sh.sh_offset, sh.sh_size);
	}
	return 0;
}

static int check_sym(struct reader *r, struct ns_patch *p, size_t i,
		     const GElf_Sym *es)
{
	struct ns_sym *s = &p->syms[i];

	if (s->bind != STB_LOCAL && s->bind != STB_GLOBAL && s->bind != STB_WEAK)
		return rd_err(r, "symbol %zu (%s): bad binding %u", i, s->name, s->bind);
	if (s->type > STT_TLS && s->type != STT_GNU_IFUNC)
		return rd_err(r, "symbol %zu (%s): bad type %u", i, s->name, s->type);
	if (s->kind == NS_SYM_TARGET) {
		if (es->st_shndx != SHN_UNDEF || !*s->name)
			return rd_err(r, "symbol %zu (%s): target symbol not undefined or unnamed",
				    i, s->name);
		return 0;
	}
	if (s->kind != NS_SYM_DEFINED)
		return rd_err(r, "symbol %zu (%s): bad kind %u", i, s->name, s->kind);
	if (es->st_shndx == SHN_UNDEF || es->st_shndx > p->nsections)
		return rd_err(r, "symbol %zu (%s): section index %u out of range",
			    i, s->name, es->st_shndx);
	s->section = es->st_shndx - 1u;
	s->value = es->st_value;
	{
		uint64_t secsize = p->sections[s->section].size;

		if (s->value > secsize || s->size > secsize - s->value)
			return rd_err(r, "symbol %zu (%s): value %#lx size %lu outside section %s",
				    i, s->name, (unsigned long)s->value,
				    (unsigned long)s->size, p->sections[s->section].name);
	}
	return 0;
}

static int load_symbols(struct reader *r, struct ns_patch *p)
{
	Elf_Scn *scn = elf_getscn(r->elf, r->symtab);
	GElf_Shdr sh;
	uint32_t strtab;

	if (!scn || !gelf_getshdr(scn, &sh) || sh.sh_entsize != sizeof(Elf64_Sym) ||
	    sh.sh_size % sizeof(Elf64_Sym))
		return rd_err(r, "bad symbol table header");
	strtab = sh.sh_link;
	if (!strtab || strtab >= r->shnum)
		return rd_err(r, "symbol table: bad string table index %u", strtab);
	r->symdata = elf_getdata(scn, NULL);
	if (!r->symdata && sh.sh_size)
		return rd_err(r, "truncated symbol table: %s", elf_errmsg(-1));
	r->nelfsyms = sh.sh_size / sizeof(Elf64_Sym);
	if (r->nelfsyms != r->h.nsyms)
		return rd_err(r, "metadata has %u symbols, symbol table %zu",
			    r->h.nsyms, r->nelfsyms);
	r->elf_to_ns = calloc(r->nelfsyms, sizeof(*r->elf_to_ns));
	p->syms = calloc(r->nelfsyms, sizeof(*p->syms));
	if (!r->elf_to_ns || !p->syms)
		return rd_err(r, "out of memory");
	p->nsyms = r->nelfsyms;
	for (size_t i = 1; i < p->nsyms; i++) {
		struct ns_meta_sym ms;
		GElf_Sym es;
		const char *name;
		struct ns_sym *s = &p->syms[i];

		memcpy(&ms, r->meta + r->h.syms_off + i * sizeof(ms), sizeof(ms));
		if (ms.elf_index == 0 || ms.elf_index >= r->nelfsyms ||
		    r->elf_to_ns[ms.elf_index])
			return rd_err(r, "metadata: symbol %zu: bad or repeated .symtab index %u",
				    i, ms.elf_index);
		r->elf_to_ns[ms.elf_index] = (uint32_t)i;
		if (!gelf_getsym(r->symdata, (int)ms.elf_index, &es))
			return rd_err(r, "symbol %u: %s", ms.elf_index, elf_errmsg(-1));
		name = es.st_name ? elf_strptr(r->elf, strtab, es.st_name) : "";
		if (!name)
			return rd_err(r, "symbol %u: name offset %u outside the string table",
				    ms.elf_index, es.st_name);
		s->name = strdup(name);
		if (!s->name)
			return rd_err(r, "out of memory");
		s->kind = ms.kind;
		s->type = ms.type;
		s->bind = ms.bind;
		s->size = es.st_size;
		if (rd_meta_string(r, ms.file, 1, "symbol file", &s->file) ||
		    check_sym(r, p, i, &es))
			return -1;
	}
	return 0;
}

static int load_relocs_of(struct reader *r, struct ns_patch *p, Elf_Scn *scn,
			  const GElf_Shdr *sh)
{
	struct ns_section *s;
	Elf_Data *d;
	size_t n;

	if (sh->sh_link != r->symtab)
		return rd_err(r, "relocation section %zu: linked to section %u, not .symtab",
			    elf_ndxscn(scn), sh->sh_link);
	if (sh->sh_info == 0 || sh->sh_info > p->nsections)
		return rd_err(r, "relocation section %zu: target section %u out of range",
			    elf_ndxscn(scn), sh->sh_info);
	s = &p->sections[sh->sh_info - 1];
	if (s->relocs)
		return rd_err(r, "section %s: two relocation sections", s->name);
	if (sh->sh_entsize != sizeof(Elf64_Rela) || sh->sh_size % sizeof(Elf64_Rela))
		return rd_err(r, "relocations of %s: bad entry size", s->name);
	n = sh->sh_size / sizeof(Elf64_Rela);
	if (!n)
		return 0;
	if (s->type == SHT_NOBITS)
		return rd_err(r, "relocations of %s: section has no bytes", s->name);
	d = elf_getdata(scn, NULL);
	if (!d || d->d_size / sizeof(Elf64_Rela) < n)
		return rd_err(r, "truncated relocations of %s", s->name);
	s->relocs = calloc(n, sizeof(*s->relocs));
	if (!s->relocs)
		return rd_err(r, "out of memory");
	s->nrelocs = n;
	for (size_t k = 0; k < n; k++) {
		GElf_Rela ra;
		struct ns_reloc *rl = &s->relocs[k];
		uint64_t esym;
		unsigned width;

		if (!gelf_getrela(d, (int)k, &ra))
			return rd_err(r, "relocations of %s: %s", s->name, elf_errmsg(-1));
		esym = GELF_R_SYM(ra.r_info);
		rl->type = (uint32_t)GELF_R_TYPE(ra.r_info);
		rl->offset = ra.r_offset;
		rl->addend = ra.r_addend;
		width = ns_reloc_width(rl->type);
		if (!width)
			return rd_err(r, "relocation %zu of %s: unsupported type %u",
				    k, s->name, rl->type);
		if (esym == 0 || esym >= r->nelfsyms || !r->elf_to_ns[esym])
			return rd_err(r, "relocation %zu of %s: bad symbol index %lu",
				    k, s->name, (unsigned long)esym);
		rl->sym = r->elf_to_ns[esym];
		if (rl->offset > s->size || width > s->size - rl->offset)
			return rd_err(r, "relocation %zu of %s: offset %#lx outside the section",
				    k, s->name, (unsigned long)rl->offset);
	}
	return 0;
}

static int load_relocs(struct reader *r, struct ns_patch *p)
{
	for (size_t i = 1; i < r->shnum; i++) {
		Elf_Scn *scn = elf_getscn(r->elf, i);
		GElf_Shdr sh;

		if (!scn || !gelf_getshdr(scn, &sh))
			return rd_err(r, "section %zu: bad header", i);
		if (sh.sh_type == SHT_RELA && load_relocs_of(r, p, scn, &sh))
			return -1;
	}
	return 0;
}

/* The patch's .eh_frame, if it has one: at most one, and valid CFI for
 * the patch's own code (patch_cfi.c). Runs after the symbols and the
 * relocations are loaded and checked. */
static int load_cfi(struct reader *r, struct ns_patch *p)
{
	char why[256];

	for (size_t i = 0; i < p->nsections; i++) {
		if (strcmp(p->sections[i].name, NS_CFI_SECTION))
			continue;
		if (p->eh_frame)
			return rd_err(r, "more than one %s section", NS_CFI_SECTION);
		if (ns_cfi_check(p, &p->sections[i], why, sizeof(why)) < 0)
			return rd_err(r, "%s: %s", NS_CFI_SECTION, why);
		p->eh_frame = (uint32_t)i + 1;
	}
	return 0;
}

static int load(struct reader *r, struct ns_patch *p)
{
	char why[256];
	size_t body;

	/* The seal first: nothing of a damaged or forged file is parsed. */
	if (ns_seal_check(r->buf, r->size, &body, &p->seal, r->err))
		return ns_err_wrap(r->err, "patch file %s", r->path);
	p->id = ns_checksum(r->buf, r->size);
	r->size = body; /* libelf sees the body, not the seal */
	if (check_elf_header(r) || scan_sections(r) || rd_meta_header(r))
		return -1;
	if (rd_meta_string(r, r->h.name, 0, "patch name", &p->name) ||
	    rd_meta_string(r, r->h.binary, 0, "binary name", &p->binary))
		return -1;
	if (!ns_patch_name_ok(p->name, why, sizeof(why)))
		return rd_err(r, "metadata: %s", why);
	memcpy(p->build_id, r->h.build_id, r->h.build_id_len);
	p->build_id_len = r->h.build_id_len;
	memcpy(p->result_build_id, r->h.result_build_id, r->h.result_build_id_len);
	p->result_build_id_len = r->h.result_build_id_len;
	if (load_sections(r, p) || load_symbols(r, p) || load_relocs(r, p) ||
	    rd_meta_entries(r, p) || rd_meta_hooks(r, p) || load_cfi(r, p))
		return -1;
	return 0;
}

/* Loads the file in r->buf (r->size bytes) into OUT; frees r->buf. */
static int load_buffer(struct reader *r, struct ns_patch *out)
{
	int rc = -1;

	if (elf_version(EV_CURRENT) == EV_NONE)
		rd_err(r, "libelf: %s", elf_errmsg(-1));
	else
		rc = load(r, out);
	if (rc)
		ns_patch_free(out);
	if (r->elf)
		elf_end(r->elf);
	free(r->elf_to_ns);
	free(r->buf);
	return rc;
}

int ns_patch_load(const char *path, struct ns_patch *out,
		  struct ns_err *err)
{
	struct reader r = { .path = path, .err = err };

	memset(out, 0, sizeof(*out));
	if (read_file(&r)) {
		free(r.buf);
		return -1;
	}
	return load_buffer(&r, out);
}

int ns_patch_read_file(const char *path, void **data, size_t *len,
		       struct ns_err *err)
{
	struct reader r = { .path = path, .err = err };

	*data = NULL;
	*len = 0;
	if (read_file(&r)) {
		free(r.buf);
		return -1;
	}
	*data = r.buf;
	*len = r.size;
	return 0;
}

int ns_patch_load_mem(const char *name, const void *data, size_t len,
		      struct ns_patch *out, struct ns_err *err)
{
	struct reader r = { .path = name, .err = err };

	memset(out, 0, sizeof(*out));
	if (len > NS_PATCH_MAX_FILE)
		return rd_err(&r, "%zu bytes, more than the %u bytes a patch file "
			    "may have", len, NS_PATCH_MAX_FILE);
	/* A copy of its own: libelf may write to the image it is given. */
	r.buf = malloc(len ? len : 1);
	if (!r.buf)
		return rd_err(&r, "out of memory");
	memcpy(r.buf, data, len);
	r.size = len;
	return load_buffer(&r, out);
}
