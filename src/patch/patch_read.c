/* patch_read.c — loads a patch file into a struct ns_patch: opens it
 * safely (no symlink, no FIFO, bounded size), checks its seal
 * (patch_seal.c) before anything else, then validates every field: a
 * damaged, truncated or hostile file is an error with a message, never a
 * crash. Also owns ns_patch_free(). Layout in patch_format.h. */
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
#include "util/checksum.h"

struct reader {
	const char *path;
	uint8_t    *buf;        /* the whole file */
	size_t      size;
	Elf        *elf;
	size_t      shnum;
	size_t      symtab;     /* .symtab section index */
	Elf_Data   *symdata;
	size_t      nelfsyms;
	uint32_t   *elf_to_ns;  /* .symtab index -> ns sym index (0 = none) */
	const uint8_t *meta;    /* .nonstop.meta bytes */
	size_t      metasize;
	struct ns_meta_header h;  /* version 1: zero past its 120 bytes */
	size_t      entry_size;   /* of an ns_meta_entry in this version */
	char       *err;
	size_t      errlen;
};

static int rerr(struct reader *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static int rerr(struct reader *r, const char *fmt, ...)
{
	va_list ap;
	int n;

	n = snprintf(r->err, r->errlen, "patch file %s: ", r->path);
	if (n < 0 || (size_t)n >= r->errlen)
		return -1;
	va_start(ap, fmt);
	vsnprintf(r->err + n, r->errlen - (size_t)n, fmt, ap);
	va_end(ap);
	return -1;
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
			return rerr(r, "is a symbolic link, and nonstop does not "
				    "follow one: name the patch file itself");
		return rerr(r, "%s", strerror(e));
	}
	if (fstat(fd, &st)) {
		rerr(r, "%s", strerror(errno));
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		rerr(r, "is %s, not a regular file", file_kind(st.st_mode));
		goto fail;
	}
	if ((uint64_t)st.st_size > NS_PATCH_MAX_FILE) {
		rerr(r, "%lld bytes, more than the %u bytes (%u MiB) a patch file "
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
		return rerr(r, "out of memory");
	}
	while (got < r->size) {
		ssize_t n = read(fd, r->buf + got, r->size - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			close(fd);
			return rerr(r, "read: %s", n ? strerror(errno) : "file shrank");
		}
		got += (size_t)n;
	}
	close(fd);
	return 0;
}

/* A string field of the meta section: NULL for NS_META_NOSTR (if allowed),
 * else an offset inside the string area of a NUL-terminated string. */
static int meta_string(struct reader *r, uint32_t off, int optional,
		       const char *what, char **out)
{
	const char *area = (const char *)r->meta + r->h.strings_off;

	*out = NULL;
	if (off == NS_META_NOSTR) {
		if (optional)
			return 0;
		return rerr(r, "metadata: %s is missing", what);
	}
	if (off >= r->h.strings_size ||
	    !memchr(area + off, '\0', r->h.strings_size - off))
		return rerr(r, "metadata: %s string offset %u is outside the string area",
			    what, off);
	*out = strdup(area + off);
	if (!*out)
		return rerr(r, "out of memory");
	return 0;
}

/* Checks that the table [off, off + n * size) lies inside the meta section. */
static int meta_range(struct reader *r, uint64_t off, uint64_t n, uint64_t size,
		      const char *what)
{
	if (n > r->metasize || off > r->metasize ||
	    n * size > r->metasize - off)
		return rerr(r, "truncated metadata (%s)", what);
	return 0;
}

static int check_elf_header(struct reader *r)
{
	GElf_Ehdr eh;
	size_t shstrndx;

	if (r->size < sizeof(Elf64_Ehdr))
		return rerr(r, "truncated (%zu bytes, not even an ELF header)", r->size);
	r->elf = elf_memory((char *)r->buf, r->size);
	if (!r->elf || elf_kind(r->elf) != ELF_K_ELF)
		return rerr(r, "not an ELF file");
	if (gelf_getclass(r->elf) != ELFCLASS64 || !gelf_getehdr(r->elf, &eh))
		return rerr(r, "not an ELF64 file");
	if (eh.e_ident[EI_DATA] != ELFDATA2LSB || eh.e_type != ET_REL ||
	    eh.e_machine != EM_X86_64)
		return rerr(r, "not an x86-64 little-endian ELF relocatable");
	if (elf_getshdrnum(r->elf, &r->shnum) || r->shnum < 2 ||
	    elf_getshdrstrndx(r->elf, &shstrndx) || shstrndx >= r->shnum)
		return rerr(r, "truncated or bad section header table");
	/* The section header table itself must lie inside the file. */
	if (eh.e_shoff > r->size || eh.e_shentsize != sizeof(Elf64_Shdr) ||
	    r->shnum > (r->size - eh.e_shoff) / sizeof(Elf64_Shdr))
		return rerr(r, "truncated section header table");
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
			return rerr(r, "section %zu: bad header", i);
		if (sh.sh_type != SHT_NOBITS &&
		    (sh.sh_offset > r->size || sh.sh_size > r->size - sh.sh_offset))
			return rerr(r, "truncated (section %zu extends past the end)", i);
		name = section_name(r, &sh);
		if (!name)
			return rerr(r, "section %zu: bad name", i);
		if (sh.sh_type == SHT_SYMTAB) {
			if (r->symtab)
				return rerr(r, "more than one symbol table");
			r->symtab = i;
		} else if (!strcmp(name, NS_META_SECTION)) {
			if (meta)
				return rerr(r, "more than one %s section", NS_META_SECTION);
			meta = scn;
		} else if (sh.sh_type == SHT_REL) {
			return rerr(r, "section %s: REL relocations are not supported", name);
		}
	}
	if (!meta)
		return rerr(r, "no %s section (not a nonstop patch)", NS_META_SECTION);
	if (!r->symtab)
		return rerr(r, "no symbol table");
	{
		Elf_Data *d = elf_rawdata(meta, NULL);

		if (!d || !d->d_buf)
			return rerr(r, "truncated metadata");
		r->meta = d->d_buf;
		r->metasize = d->d_size;
	}
	return 0;
}

static int check_meta_header(struct reader *r)
{
	struct ns_meta_header *h = &r->h;
	size_t hsize;

	/* The first fields (magic, version, header size) are the same in
	 * every version. */
	if (r->metasize < NS_META_HEADER_V1_SIZE)
		return rerr(r, "truncated metadata (header)");
	memset(h, 0, sizeof(*h));
	memcpy(h, r->meta, NS_META_HEADER_V1_SIZE);
	if (memcmp(h->magic, NS_META_MAGIC, sizeof(h->magic)))
		return rerr(r, "bad metadata magic (not a nonstop patch)");
	if (h->version == 1) {
		hsize = NS_META_HEADER_V1_SIZE;
		r->entry_size = NS_META_ENTRY_V1_SIZE;
	} else if (h->version == NS_PATCH_FORMAT_VERSION) {
		hsize = NS_META_HEADER_V2_SIZE;
		r->entry_size = sizeof(struct ns_meta_entry);
	} else if (h->version == NS_PATCH_FORMAT_HOOKS) {
		hsize = sizeof(*h);
		r->entry_size = sizeof(struct ns_meta_entry);
	} else {
		return rerr(r, "metadata format version %u, this nonstop reads 1 to %u",
			    h->version, NS_PATCH_FORMAT_HOOKS);
	}
	if (h->header_size != hsize)
		return rerr(r, "metadata header size %u, expected %zu for version %u",
			    h->header_size, hsize, h->version);
	if (r->metasize < hsize)
		return rerr(r, "truncated metadata (header)");
	memcpy(h, r->meta, hsize);
	if (h->build_id_len > NS_BUILD_ID_MAX)
		return rerr(r, "metadata: build-id length %u", h->build_id_len);
	if (h->result_build_id_len > NS_BUILD_ID_MAX || h->pad)
		return rerr(r, "metadata: result build-id length %u", h->result_build_id_len);
	for (size_t i = h->result_build_id_len; i < NS_BUILD_ID_MAX; i++)
		if (h->result_build_id[i])
			return rerr(r, "metadata: bytes after the result build-id");
	if (h->result_build_id_len && h->result_build_id_len == h->build_id_len &&
	    !memcmp(h->result_build_id, h->build_id, h->build_id_len))
		return rerr(r, "metadata: the result build-id is the build-id the "
			    "patch applies to");
	if (h->nsections >= r->shnum)
		return rerr(r, "metadata: %u sections, file has %zu",
			    h->nsections, r->shnum);
	if (h->nsyms < 1)
		return rerr(r, "metadata: no null symbol");
	/* Version 3 exists for its hooks: it has one of each kind at most. */
	if (h->version == NS_PATCH_FORMAT_HOOKS &&
	    (h->nhooks < 1 || h->nhooks > NS_HOOK_KINDS))
		return rerr(r, "metadata: %u hooks (format 3 has 1 to %u)",
			    h->nhooks, NS_HOOK_KINDS);
	if (meta_range(r, h->entries_off, h->nentries, r->entry_size, "entries") ||
	    meta_range(r, h->syms_off, h->nsyms, sizeof(struct ns_meta_sym), "symbols") ||
	    meta_range(r, h->masks_off, h->nmasks, sizeof(struct ns_meta_mask), "masks") ||
	    meta_range(r, h->hooks_off, h->nhooks, sizeof(struct ns_meta_hook), "hooks") ||
	    meta_range(r, h->strings_off, h->strings_size, 1, "strings"))
		return -1;
	return 0;
}

static int load_sections(struct reader *r, struct ns_patch *p)
{
	p->sections = calloc(r->h.nsections ? r->h.nsections : 1, sizeof(*p->sections));
	if (!p->sections)
		return rerr(r, "out of memory");
	p->nsections = r->h.nsections;
	for (size_t i = 0; i < p->nsections; i++) {
		struct ns_section *s = &p->sections[i];
		Elf_Scn *scn = elf_getscn(r->elf, i + 1);
		GElf_Shdr sh;
		const char *name;

		if (!scn || !gelf_getshdr(scn, &sh) || !(name = section_name(r, &sh)))
			return rerr(r, "section %zu: bad header", i + 1);
		if (sh.sh_type != SHT_PROGBITS && sh.sh_type != SHT_NOBITS &&
		    (sh.sh_type != SHT_X86_64_UNWIND || strcmp(name, NS_CFI_SECTION)))
			return rerr(r, "section %s: type %u is neither PROGBITS nor NOBITS",
				    name, sh.sh_type);
		if (!sh.sh_addralign || (sh.sh_addralign & (sh.sh_addralign - 1)) ||
		    sh.sh_addralign > (1u << 16))
			return rerr(r, "section %s: alignment %lu is not a power of two",
				    name, (unsigned long)sh.sh_addralign);
		if (!(sh.sh_flags & SHF_ALLOC))
			return rerr(r, "section %s: not SHF_ALLOC", name);
		s->name = strdup(name);
		s->type = sh.sh_type;
		s->flags = sh.sh_flags;
		s->align = sh.sh_addralign;
		s->size = sh.sh_size;
		if (!s->name)
			return rerr(r, "out of memory");
		if (sh.sh_type == SHT_NOBITS || !sh.sh_size)
			continue;
		s->data = malloc(sh.sh_size);
		if (!s->data)
			return rerr(r, "out of memory");
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
		return rerr(r, "symbol %zu (%s): bad binding %u", i, s->name, s->bind);
	if (s->type > STT_TLS && s->type != STT_GNU_IFUNC)
		return rerr(r, "symbol %zu (%s): bad type %u", i, s->name, s->type);
	if (s->kind == NS_SYM_TARGET) {
		if (es->st_shndx != SHN_UNDEF || !*s->name)
			return rerr(r, "symbol %zu (%s): target symbol not undefined or unnamed",
				    i, s->name);
		return 0;
	}
	if (s->kind != NS_SYM_DEFINED)
		return rerr(r, "symbol %zu (%s): bad kind %u", i, s->name, s->kind);
	if (es->st_shndx == SHN_UNDEF || es->st_shndx > p->nsections)
		return rerr(r, "symbol %zu (%s): section index %u out of range",
			    i, s->name, es->st_shndx);
	s->section = es->st_shndx - 1u;
	s->value = es->st_value;
	{
		uint64_t secsize = p->sections[s->section].size;

		if (s->value > secsize || s->size > secsize - s->value)
			return rerr(r, "symbol %zu (%s): value %#lx size %lu outside section %s",
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
		return rerr(r, "bad symbol table header");
	strtab = sh.sh_link;
	if (!strtab || strtab >= r->shnum)
		return rerr(r, "symbol table: bad string table index %u", strtab);
	r->symdata = elf_getdata(scn, NULL);
	if (!r->symdata && sh.sh_size)
		return rerr(r, "truncated symbol table: %s", elf_errmsg(-1));
	r->nelfsyms = sh.sh_size / sizeof(Elf64_Sym);
	if (r->nelfsyms != r->h.nsyms)
		return rerr(r, "metadata has %u symbols, symbol table %zu",
			    r->h.nsyms, r->nelfsyms);
	r->elf_to_ns = calloc(r->nelfsyms, sizeof(*r->elf_to_ns));
	p->syms = calloc(r->nelfsyms, sizeof(*p->syms));
	if (!r->elf_to_ns || !p->syms)
		return rerr(r, "out of memory");
	p->nsyms = r->nelfsyms;
	for (size_t i = 1; i < p->nsyms; i++) {
		struct ns_meta_sym ms;
		GElf_Sym es;
		const char *name;
		struct ns_sym *s = &p->syms[i];

		memcpy(&ms, r->meta + r->h.syms_off + i * sizeof(ms), sizeof(ms));
		if (ms.elf_index == 0 || ms.elf_index >= r->nelfsyms ||
		    r->elf_to_ns[ms.elf_index])
			return rerr(r, "metadata: symbol %zu: bad or repeated .symtab index %u",
				    i, ms.elf_index);
		r->elf_to_ns[ms.elf_index] = (uint32_t)i;
		if (!gelf_getsym(r->symdata, (int)ms.elf_index, &es))
			return rerr(r, "symbol %u: %s", ms.elf_index, elf_errmsg(-1));
		name = es.st_name ? elf_strptr(r->elf, strtab, es.st_name) : "";
		if (!name)
			return rerr(r, "symbol %u: name offset %u outside the string table",
				    ms.elf_index, es.st_name);
		s->name = strdup(name);
		if (!s->name)
			return rerr(r, "out of memory");
		s->kind = ms.kind;
		s->type = ms.type;
		s->bind = ms.bind;
		s->size = es.st_size;
		if (meta_string(r, ms.file, 1, "symbol file", &s->file) ||
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
		return rerr(r, "relocation section %zu: linked to section %u, not .symtab",
			    elf_ndxscn(scn), sh->sh_link);
	if (sh->sh_info == 0 || sh->sh_info > p->nsections)
		return rerr(r, "relocation section %zu: target section %u out of range",
			    elf_ndxscn(scn), sh->sh_info);
	s = &p->sections[sh->sh_info - 1];
	if (s->relocs)
		return rerr(r, "section %s: two relocation sections", s->name);
	if (sh->sh_entsize != sizeof(Elf64_Rela) || sh->sh_size % sizeof(Elf64_Rela))
		return rerr(r, "relocations of %s: bad entry size", s->name);
	n = sh->sh_size / sizeof(Elf64_Rela);
	if (!n)
		return 0;
	if (s->type == SHT_NOBITS)
		return rerr(r, "relocations of %s: section has no bytes", s->name);
	d = elf_getdata(scn, NULL);
	if (!d || d->d_size / sizeof(Elf64_Rela) < n)
		return rerr(r, "truncated relocations of %s", s->name);
	s->relocs = calloc(n, sizeof(*s->relocs));
	if (!s->relocs)
		return rerr(r, "out of memory");
	s->nrelocs = n;
	for (size_t k = 0; k < n; k++) {
		GElf_Rela ra;
		struct ns_reloc *rl = &s->relocs[k];
		uint64_t esym;
		unsigned width;

		if (!gelf_getrela(d, (int)k, &ra))
			return rerr(r, "relocations of %s: %s", s->name, elf_errmsg(-1));
		esym = GELF_R_SYM(ra.r_info);
		rl->type = (uint32_t)GELF_R_TYPE(ra.r_info);
		rl->offset = ra.r_offset;
		rl->addend = ra.r_addend;
		width = ns_reloc_width(rl->type);
		if (!width)
			return rerr(r, "relocation %zu of %s: unsupported type %u",
				    k, s->name, rl->type);
		if (esym == 0 || esym >= r->nelfsyms || !r->elf_to_ns[esym])
			return rerr(r, "relocation %zu of %s: bad symbol index %lu",
				    k, s->name, (unsigned long)esym);
		rl->sym = r->elf_to_ns[esym];
		if (rl->offset > s->size || width > s->size - rl->offset)
			return rerr(r, "relocation %zu of %s: offset %#lx outside the section",
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
			return rerr(r, "section %zu: bad header", i);
		if (sh.sh_type == SHT_RELA && load_relocs_of(r, p, scn, &sh))
			return -1;
	}
	return 0;
}

/* The run of masks of entry E (index I): inside the mask table, right after
 * the previous entry's (*NEXT), sorted, disjoint, inside the function. */
static int load_masks(struct reader *r, size_t i, const struct ns_meta_entry *me,
		      struct ns_entry *e, uint32_t *next)
{
	if (me->mask_first != *next || me->mask_count > r->h.nmasks - *next)
		return rerr(r, "metadata: entry %zu: masks %u..+%u out of order or "
			    "outside the table", i, me->mask_first, me->mask_count);
	if (me->mask_count && me->kind != NS_ENTRY_REPLACE)
		return rerr(r, "metadata: entry %zu: masks on an entry that replaces "
			    "nothing", i);
	*next += me->mask_count;
	if (!me->mask_count)
		return 0;
	e->masks = calloc(me->mask_count, sizeof(*e->masks));
	if (!e->masks)
		return rerr(r, "out of memory");
	e->nmasks = me->mask_count;
	for (uint32_t k = 0; k < me->mask_count; k++) {
		struct ns_meta_mask mm;
		uint64_t prev_end = k ? (uint64_t)e->masks[k - 1].off + e->masks[k - 1].len : 0;

		memcpy(&mm, r->meta + r->h.masks_off +
		       (size_t)(me->mask_first + k) * sizeof(mm), sizeof(mm));
		if (!mm.len || mm.off < prev_end ||
		    (uint64_t)mm.off + mm.len > me->old_size)
			return rerr(r, "metadata: entry %zu: mask %u (%u+%u) empty, out of "
				    "order or outside the function (%lu bytes)", i, k,
				    mm.off, mm.len, (unsigned long)me->old_size);
		e->masks[k].off = mm.off;
		e->masks[k].len = mm.len;
	}
	return 0;
}

/* The reasons each kind of entry may give. */
static int reason_fits(uint32_t kind, uint32_t reason)
{
	switch (kind) {
	case NS_ENTRY_IGNORED:
		return reason == NS_REASON_LINES;
	case NS_ENTRY_REPLACE:
		return reason <= NS_REASON_NEW || reason == NS_REASON_USES_XFORM;
	case NS_ENTRY_XFORM_DATA:
	case NS_ENTRY_TRANSFORM:
	case NS_ENTRY_UNTRANSFORM:
		return reason == NS_REASON_XFORM;
	default:
		return reason <= NS_REASON_NEW;
	}
}

/* A transformer is a function, a transformed variable an object. */
static int sym_fits(uint32_t kind, const struct ns_sym *s)
{
	if (kind == NS_ENTRY_XFORM_DATA)
		return s->type == STT_OBJECT;
	if (kind == NS_ENTRY_TRANSFORM || kind == NS_ENTRY_UNTRANSFORM)
		return s->type == STT_FUNC;
	return 1;
}

static int same_var(const struct ns_entry *a, const struct ns_entry *b)
{
	return !strcmp(a->name, b->name) &&
	       (a->file ? b->file && !strcmp(a->file, b->file) : !b->file);
}

/* Every transformed variable has one transformer and at most one
 * untransformer, and every transformer a variable. */
static int check_xforms(struct reader *r, const struct ns_patch *p)
{
	for (size_t i = 0; i < p->nentries; i++) {
		const struct ns_entry *e = &p->entries[i];
		unsigned n[8] = { 0 };

		if (e->kind < NS_ENTRY_XFORM_DATA)
			continue;
		for (size_t k = 0; k < p->nentries; k++)
			if (p->entries[k].kind >= NS_ENTRY_XFORM_DATA &&
			    same_var(e, &p->entries[k]))
				n[p->entries[k].kind]++;
		if (n[NS_ENTRY_XFORM_DATA] != 1 || n[NS_ENTRY_TRANSFORM] != 1 ||
		    n[NS_ENTRY_UNTRANSFORM] > 1)
			return rerr(r, "metadata: variable %s: %u definitions, %u "
				    "transformers, %u untransformers", e->name,
				    n[NS_ENTRY_XFORM_DATA], n[NS_ENTRY_TRANSFORM],
				    n[NS_ENTRY_UNTRANSFORM]);
	}
	return 0;
}

static int load_entries(struct reader *r, struct ns_patch *p)
{
	uint32_t next_mask = 0;

	p->entries = calloc(r->h.nentries ? r->h.nentries : 1, sizeof(*p->entries));
	if (!p->entries)
		return rerr(r, "out of memory");
	p->nentries = r->h.nentries;
	for (size_t i = 0; i < p->nentries; i++) {
		struct ns_meta_entry me;
		struct ns_entry *e = &p->entries[i];

		/* Version 1 entries end before mask_first: zero, no masks. */
		memset(&me, 0, sizeof(me));
		memcpy(&me, r->meta + r->h.entries_off + i * r->entry_size, r->entry_size);
		if (me.kind < NS_ENTRY_REPLACE || me.kind > NS_ENTRY_UNTRANSFORM)
			return rerr(r, "metadata: entry %zu: bad kind %u", i, me.kind);
		if (!reason_fits(me.kind, me.reason))
			return rerr(r, "metadata: entry %zu: bad reason %u", i, me.reason);
		if (me.kind == NS_ENTRY_IGNORED ? me.sym != 0 :
		    (me.sym == 0 || me.sym >= p->nsyms ||
		     p->syms[me.sym].kind != NS_SYM_DEFINED))
			return rerr(r, "metadata: entry %zu: symbol %u is not a patch definition",
				    i, me.sym);
		if (!sym_fits(me.kind, &p->syms[me.sym]))
			return rerr(r, "metadata: entry %zu: symbol %u is not a %s", i,
				    me.sym, me.kind == NS_ENTRY_XFORM_DATA ? "variable" :
				    "function");
		e->kind = me.kind;
		e->reason = me.reason;
		e->sym = me.sym;
		e->old_size = me.old_size;
		e->old_sum = me.old_sum;
		if (meta_string(r, me.name, 0, "entry name", &e->name) ||
		    meta_string(r, me.file, 1, "entry file", &e->file) ||
		    meta_string(r, me.object, 1, "entry object", &e->object) ||
		    load_masks(r, i, &me, e, &next_mask))
			return -1;
	}
	if (next_mask != r->h.nmasks)
		return rerr(r, "metadata: %u masks, entries use %u", r->h.nmasks, next_mask);
	return check_xforms(r, p);
}

const char *ns_hook_kind_name(uint32_t kind)
{
	switch (kind) {
	case NS_HOOK_PRE_APPLY:   return "pre-apply";
	case NS_HOOK_POST_APPLY:  return "post-apply";
	case NS_HOOK_PRE_REVERT:  return "pre-revert";
	case NS_HOOK_POST_REVERT: return "post-revert";
	default:                  return "?";
	}
}

/* The hook table (version 3): each kind once, each naming a function: one
 * the patch defines in its code, or one of the target (a function, or an
 * untyped symbol: what ELF calls an undefined one). Runs after the
 * sections and symbols are loaded and checked. */
static int load_hooks(struct reader *r, struct ns_patch *p)
{
	for (uint32_t i = 0; i < r->h.nhooks; i++) {
		struct ns_meta_hook mh;
		const struct ns_sym *s;

		memcpy(&mh, r->meta + r->h.hooks_off + (size_t)i * sizeof(mh),
		       sizeof(mh));
		if (mh.kind < NS_HOOK_PRE_APPLY || mh.kind > NS_HOOK_KINDS)
			return rerr(r, "metadata: hook %u: bad kind %u", i, mh.kind);
		if (p->hooks[mh.kind - 1])
			return rerr(r, "metadata: two %s hooks",
				    ns_hook_kind_name(mh.kind));
		if (mh.sym == 0 || mh.sym >= p->nsyms)
			return rerr(r, "metadata: %s hook: bad symbol index %u",
				    ns_hook_kind_name(mh.kind), mh.sym);
		s = &p->syms[mh.sym];
		if ((s->type != STT_FUNC &&
		     (s->kind != NS_SYM_TARGET || s->type != STT_NOTYPE)) ||
		    !*s->name ||
		    (s->kind == NS_SYM_DEFINED &&
		     !(p->sections[s->section].flags & SHF_EXECINSTR)))
			return rerr(r, "metadata: %s hook: symbol %u (%s) is not a "
				    "function", ns_hook_kind_name(mh.kind), mh.sym,
				    s->name);
		p->hooks[mh.kind - 1] = mh.sym;
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
			return rerr(r, "more than one %s section", NS_CFI_SECTION);
		if (ns_cfi_check(p, &p->sections[i], why, sizeof(why)) < 0)
			return rerr(r, "%s: %s", NS_CFI_SECTION, why);
		p->eh_frame = (uint32_t)i + 1;
	}
	return 0;
}

static int load(struct reader *r, struct ns_patch *p)
{
	char why[512];
	size_t body;

	/* The seal first: nothing of a damaged or forged file is parsed. */
	if (ns_seal_check(r->buf, r->size, &body, &p->seal, why, sizeof(why)))
		return rerr(r, "%s", why);
	p->id = ns_checksum(r->buf, r->size);
	r->size = body; /* libelf sees the body, not the seal */
	if (check_elf_header(r) || scan_sections(r) || check_meta_header(r))
		return -1;
	if (meta_string(r, r->h.name, 0, "patch name", &p->name) ||
	    meta_string(r, r->h.binary, 0, "binary name", &p->binary))
		return -1;
	if (!ns_patch_name_ok(p->name, why, sizeof(why)))
		return rerr(r, "metadata: %s", why);
	memcpy(p->build_id, r->h.build_id, r->h.build_id_len);
	p->build_id_len = r->h.build_id_len;
	memcpy(p->result_build_id, r->h.result_build_id, r->h.result_build_id_len);
	p->result_build_id_len = r->h.result_build_id_len;
	if (load_sections(r, p) || load_symbols(r, p) || load_relocs(r, p) ||
	    load_entries(r, p) || load_hooks(r, p) || load_cfi(r, p))
		return -1;
	return 0;
}

/* Loads the file in r->buf (r->size bytes) into OUT; frees r->buf. */
static int load_buffer(struct reader *r, struct ns_patch *out)
{
	int rc = -1;

	if (elf_version(EV_CURRENT) == EV_NONE)
		rerr(r, "libelf: %s", elf_errmsg(-1));
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
		  char *err, size_t errlen)
{
	struct reader r = { .path = path, .err = err, .errlen = errlen };

	memset(out, 0, sizeof(*out));
	if (read_file(&r)) {
		free(r.buf);
		return -1;
	}
	return load_buffer(&r, out);
}

int ns_patch_load_mem(const char *name, const void *data, size_t len,
		      struct ns_patch *out, char *err, size_t errlen)
{
	struct reader r = { .path = name, .err = err, .errlen = errlen };

	memset(out, 0, sizeof(*out));
	if (len > NS_PATCH_MAX_FILE)
		return rerr(&r, "%zu bytes, more than the %u bytes a patch file "
			    "may have", len, NS_PATCH_MAX_FILE);
	/* A copy of its own: libelf may write to the image it is given. */
	r.buf = malloc(len ? len : 1);
	if (!r.buf)
		return rerr(&r, "out of memory");
	memcpy(r.buf, data, len);
	r.size = len;
	return load_buffer(&r, out);
}

bool ns_patch_name_ok(const char *name, char *why, size_t whylen)
{
	size_t n = strlen(name);

	if (!n || n > NS_PATCH_NAME_MAX) {
		snprintf(why, whylen, "the patch name is %zu bytes long (1 to %d "
			 "allowed)", n, NS_PATCH_NAME_MAX);
		return false;
	}
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)name[i];

		if (c < 0x20 || c == 0x7f || c == '/') {
			snprintf(why, whylen, "the patch name has a %s at byte %zu "
				 "(not allowed in a name)", c == '/' ? "'/'" :
				 "control character", i);
			return false;
		}
	}
	return true;
}

void ns_patch_free(struct ns_patch *p)
{
	if (!p)
		return;
	for (size_t i = 0; p->sections && i < p->nsections; i++) {
		free(p->sections[i].name);
		free(p->sections[i].data);
		free(p->sections[i].relocs);
	}
	for (size_t i = 0; p->syms && i < p->nsyms; i++) {
		free(p->syms[i].name);
		free(p->syms[i].file);
	}
	for (size_t i = 0; p->entries && i < p->nentries; i++) {
		free(p->entries[i].name);
		free(p->entries[i].file);
		free(p->entries[i].object);
		free(p->entries[i].masks);
	}
	free(p->sections);
	free(p->syms);
	free(p->entries);
	free(p->name);
	free(p->binary);
	memset(p, 0, sizeof(*p));
}
