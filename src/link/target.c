/* target.c — the modules (executable, shared libraries) of a live process
 * and symbol resolution against them, with libelf. */
#include <elfutils/libdwelf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "elf/code_room.h"
#include "elf/symbols.h"
#include "link/modcache.h"
#include "link/target.h"
#include "proc/mapfile.h"
#include "proc/mem.h"

void ns_hex(const uint8_t *id, size_t len, char *buf)
{
	for (size_t i = 0; i < len; i++)
		sprintf(buf + 2 * i, "%02x", id[i]);
	buf[2 * len] = 0;
}

/* A mapping of a file that may be an ELF module: a file on a file system
 * (a deleted one too: the process still runs it), not a memfd (JIT code,
 * nonstop's own patches) nor a special mapping ([vdso], [heap]...). */
static bool is_file_mapping(const struct ns_map *m)
{
	return m->path[0] == '/' && m->inode &&
	       strncmp(m->path, "/memfd:", 7) != 0;
}

/* The size the main program's PT_TLS segment takes below the thread
 * pointer: its memory size rounded up to its alignment, as ld.so places
 * it (the segment starts aligned in every linker output we know). */
static void read_tls(struct ns_module *m)
{
	size_t n;

	if (elf_getphdrnum(m->elf, &n) < 0)
		return;
	for (size_t i = 0; i < n; i++) {
		GElf_Phdr ph;
		uint64_t align;

		if (!gelf_getphdr(m->elf, (int)i, &ph) || ph.p_type != PT_TLS)
			continue;
		align = ph.p_align ? ph.p_align : 1;
		if (ph.p_vaddr & (align - 1))
			return; /* an offset ld.so would add: not handled */
		m->tls_block = (ph.p_memsz + align - 1) & ~(align - 1);
	}
}

int ns_module_tpoff(const struct ns_module *m, uint64_t tls_off,
		    int64_t *tpoff)
{
	if (!m->is_main || !m->tls_block || tls_off >= m->tls_block)
		return -1;
	*tpoff = (int64_t)tls_off - (int64_t)m->tls_block;
	return 0;
}

/* Lowest PT_LOAD vaddr, rounded down to a page: what maps at offset 0. */
static int first_load_vaddr(Elf *elf, uint64_t *vaddr)
{
	size_t n;

	if (elf_getphdrnum(elf, &n) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		GElf_Phdr ph;
		if (gelf_getphdr(elf, (int)i, &ph) && ph.p_type == PT_LOAD) {
			*vaddr = ph.p_vaddr & ~(uint64_t)0xfff;
			return 0;
		}
	}
	return -1;
}

/* Whether the file open as FD is the program PID runs (/proc/PID/exe is
 * the kernel's own reference to it, whatever its path). */
static bool is_main_program(pid_t pid, int fd)
{
	char exe[64];
	struct stat a, b;

	snprintf(exe, sizeof(exe), "/proc/%d/exe", (int)pid);
	return stat(exe, &a) == 0 && fstat(fd, &b) == 0 &&
	       a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

static int open_module(struct ns_target *t, struct ns_module *m,
		       const struct ns_map *mp)
{
	struct ns_err why = { 0 };
	GElf_Ehdr eh;
	uint64_t vaddr;
	const void *id;
	ssize_t idlen;

	m->fd = ns_mapfile_open(t->pid, mp, &why);
	if (m->fd < 0)
		return -1;
	/* Mapped read-only, not read: libelf's read mode copies every
	 * section it is asked for into malloc'd memory, as large as the file
	 * claims (a sparse file of the target's user can claim gigabytes),
	 * where a mapping uses the page cache. A file truncated under the
	 * mapping raises SIGBUS, which ends the command cleanly (util/guard.h).
	 * A job of --all-processes reads each file once (link/modcache.h). */
	m->kept = ns_modcache_find(&m->fd, &m->elf);
	if (!m->kept)
		m->elf = elf_begin(m->fd, ELF_C_READ_MMAP, NULL);
	if (!m->elf || elf_kind(m->elf) != ELF_K_ELF || !gelf_getehdr(m->elf, &eh))
		return -1;
	m->is_exec = eh.e_type == ET_EXEC;
	m->is_main = is_main_program(t->pid, m->fd);
	if (m->is_main)
		read_tls(m);
	if (first_load_vaddr(m->elf, &vaddr) < 0)
		return -1;
	m->bias = mp->start - vaddr;
	idlen = dwelf_elf_gnu_build_id(m->elf, &id);
	if (idlen > 0 && (size_t)idlen <= sizeof(m->build_id)) {
		memcpy(m->build_id, id, (size_t)idlen);
		m->build_id_len = (size_t)idlen;
	}
	if (!m->kept)
		m->kept = ns_modcache_keep(m->fd, m->elf);
	return 0;
}

static void close_module(struct ns_module *m)
{
	if (m->elf && !m->kept)
		elf_end(m->elf);
	if (m->fd >= 0 && !m->kept)
		close(m->fd);
	free(m->path);
}

int ns_target_open(struct ns_target *t, pid_t pid, struct ns_err *err)
{
	memset(t, 0, sizeof(*t));
	t->pid = pid;
	elf_version(EV_CURRENT);
	if (ns_maps_read(pid, &t->maps) < 0) {
		ns_err_set(err, "cannot read /proc/%d/maps: %s", (int)pid,
			 strerror(errno));
		return -1;
	}
	t->mods = calloc(t->maps.n ? t->maps.n : 1, sizeof(*t->mods));
	if (!t->mods) {
		ns_err_set(err, "out of memory");
		return -1;
	}
	for (size_t i = 0; i < t->maps.n; i++) {
		const struct ns_map *mp = &t->maps.v[i];
		struct ns_module *m = NULL;

		if (!is_file_mapping(mp))
			continue;
		for (size_t j = 0; j < t->nmods; j++)
			if (t->mods[j].dev == mp->dev && t->mods[j].inode == mp->inode)
				m = &t->mods[j];
		if (m) {
			if (mp->end > m->end)
				m->end = mp->end;
			continue;
		}
		if (mp->offset != 0)
			continue; /* a module starts at its offset-0 mapping */
		m = &t->mods[t->nmods];
		m->fd = -1;
		m->path = strdup(mp->path);
		m->dev = mp->dev;
		m->inode = mp->inode;
		m->start = mp->start;
		m->end = mp->end;
		if (!m->path || open_module(t, m, mp) < 0) {
			close_module(m); /* not an ELF file we can read */
			memset(m, 0, sizeof(*m));
			continue;
		}
		t->nmods++;
	}
	return 0;
}

void ns_target_close(struct ns_target *t)
{
	for (size_t i = 0; i < t->nmods; i++)
		close_module(&t->mods[i]);
	free(t->mods);
	ns_maps_free(&t->maps);
	memset(t, 0, sizeof(*t));
}

struct ns_module *ns_target_by_build_id(struct ns_target *t,
					const uint8_t *id, size_t len)
{
	for (size_t i = 0; i < t->nmods; i++)
		if (len && t->mods[i].build_id_len == len &&
		    !memcmp(t->mods[i].build_id, id, len))
			return &t->mods[i];
	return NULL;
}

static Elf_Scn *find_symtab(Elf *elf, Elf64_Word type, GElf_Shdr *sh)
{
	Elf_Scn *scn = NULL;

	while ((scn = elf_nextscn(elf, scn)))
		if (gelf_getshdr(scn, sh) && sh->sh_type == type)
			return scn;
	return NULL;
}

int ns_module_lookup(struct ns_module *m, const char *name, const char *file,
		     struct ns_symval *out, struct ns_err *err)
{
	GElf_Shdr sh;
	Elf_Scn *scn = find_symtab(m->elf, SHT_SYMTAB, &sh);
	GElf_Sym s;
	int found;

	if (!scn && !file)
		scn = find_symtab(m->elf, SHT_DYNSYM, &sh);
	if (!scn) {
		ns_err_set(err, "%s has no symbol table (stripped?)",
			 m->path);
		return -1;
	}
	found = ns_elf_find_symbol(m->elf, scn, name, file, &s);
	if (found == 1) {
		unsigned type = GELF_ST_TYPE(s.st_info);
		out->addr = s.st_value + (type == STT_TLS ? 0 : m->bias);
		out->size = s.st_size;
		out->type = type;
		return 0;
	}
	if (found > 1)
		ns_err_set(err, "symbol '%s'%s%s is ambiguous in %s "
			 "(%d definitions)", name, file ? " of " : "",
			 file ? file : "", m->path, found);
	else
		ns_err_set(err, "symbol '%s'%s%s not found in %s", name,
			 file ? " of " : "", file ? file : "", m->path);
	return -1;
}

/* Reads the live GOT slot that M's dynamic relocations give NAME (if NAME
 * is set), or that an R_X86_64_IRELATIVE relocation with addend RESOLVER
 * fills (how a library calls its own ifuncs). */
static int lookup_got(struct ns_module *m, int mem_fd, const char *name,
		      uint64_t resolver, uint64_t *value)
{
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;

	while ((scn = elf_nextscn(m->elf, scn))) {
		Elf_Data *d;
		GElf_Shdr dsh;
		Elf_Scn *dyn;
		Elf_Data *dd;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_RELA ||
		    !sh.sh_entsize)
			continue;
		dyn = elf_getscn(m->elf, sh.sh_link);
		if (!dyn || !gelf_getshdr(dyn, &dsh) || dsh.sh_type != SHT_DYNSYM)
			continue;
		d = elf_getdata(scn, NULL);
		dd = elf_getdata(dyn, NULL);
		if (!d || !dd)
			continue;
		if (!name) {
			for (size_t i = 0; i < sh.sh_size / sh.sh_entsize; i++) {
				GElf_Rela r;
				if (gelf_getrela(d, (int)i, &r) &&
				    GELF_R_TYPE(r.r_info) == R_X86_64_IRELATIVE &&
				    (uint64_t)r.r_addend == resolver)
					return ns_mem_read(mem_fd, r.r_offset +
							   m->bias, value, 8);
			}
			continue;
		}
		for (size_t i = 0; i < sh.sh_size / sh.sh_entsize; i++) {
			GElf_Rela r;
			GElf_Sym s;
			const char *sn;
			unsigned type;

			if (!gelf_getrela(d, (int)i, &r))
				break;
			type = GELF_R_TYPE(r.r_info);
			if (type != R_X86_64_JUMP_SLOT && type != R_X86_64_GLOB_DAT)
				continue;
			if (!gelf_getsym(dd, (int)GELF_R_SYM(r.r_info), &s))
				continue;
			sn = elf_strptr(m->elf, dsh.sh_link, s.st_name);
			if (!sn || strcmp(sn, name))
				continue;
			return ns_mem_read(mem_fd, r.r_offset + m->bias, value, 8);
		}
	}
	return -1;
}

/* A default-version definition of NAME in M's .dynsym. */
static int lookup_dynsym(struct ns_module *m, const char *name,
			 struct ns_symval *out)
{
	GElf_Shdr sh;
	Elf_Scn *scn = find_symtab(m->elf, SHT_DYNSYM, &sh);
	Elf_Scn *vscn = NULL;
	Elf_Data *d, *vd = NULL;
	int found = -1;

	if (!scn || !(d = elf_getdata(scn, NULL)) || !sh.sh_entsize)
		return -1;
	while ((vscn = elf_nextscn(m->elf, vscn))) {
		GElf_Shdr vsh;
		if (gelf_getshdr(vscn, &vsh) && vsh.sh_type == SHT_GNU_versym) {
			vd = elf_getdata(vscn, NULL);
			break;
		}
	}
	for (size_t i = 1; i < sh.sh_size / sh.sh_entsize; i++) {
		GElf_Sym s;
		GElf_Versym v = 0;
		const char *sn;
		unsigned bind;

		if (!gelf_getsym(d, (int)i, &s))
			break;
		bind = GELF_ST_BIND(s.st_info);
		if (s.st_shndx == SHN_UNDEF || bind == STB_LOCAL)
			continue;
		sn = elf_strptr(m->elf, sh.sh_link, s.st_name);
		if (!sn || strcmp(sn, name))
			continue;
		if (vd && gelf_getversym(vd, (int)i, &v) && (v & 0x8000))
			continue; /* hidden: not the default version */
		out->addr = s.st_value + m->bias;
		out->size = s.st_size;
		out->type = GELF_ST_TYPE(s.st_info);
		found = 0;
		if (bind == STB_GLOBAL)
			break;
	}
	return found;
}

/* An ifunc's address is its resolver's; the implementation the process
 * uses is in some GOT: another module importing NAME, or the defining
 * library's own IRELATIVE slot. Calling the resolver ourselves is not
 * needed when the process already did. */
int ns_target_resolve_ifunc(struct ns_target *t, struct ns_module *def,
			    int mem_fd, const char *name, struct ns_symval *out,
			    struct ns_err *err)
{
	uint64_t v, resolver = out->addr - def->bias;

	for (size_t i = 0; i < t->nmods; i++)
		if (&t->mods[i] != def &&
		    lookup_got(&t->mods[i], mem_fd, name, 0, &v) == 0 && v)
			goto found;
	if (lookup_got(def, mem_fd, NULL, resolver, &v) == 0 && v)
		goto found;
	ns_err_set(err, "'%s' is an ifunc in %s whose resolved address "
		 "the process does not hold anywhere; import it in the program "
		 "first", name, def->path);
	return -1;
found:
	out->addr = v;
	out->type = STT_FUNC;
	return 0;
}

int ns_target_resolve_import(struct ns_target *t, struct ns_module *m,
			     int mem_fd, const char *name, struct ns_symval *out,
			     struct ns_err *err)
{
	uint64_t v;

	if (lookup_got(m, mem_fd, name, 0, &v) == 0 && v) {
		out->addr = v;
		out->size = 0;
		out->type = STT_NOTYPE;
		return 0;
	}
	for (size_t i = 0; i < t->nmods; i++) {
		struct ns_module *o = &t->mods[i];
		if (o == m || lookup_dynsym(o, name, out) < 0)
			continue;
		if (out->type == STT_GNU_IFUNC)
			return ns_target_resolve_ifunc(t, o, mem_fd, name, out, err);
		return 0;
	}
	ns_err_set(err, "symbol '%s' not found in process %d", name,
		 (int)t->pid);
	return -1;
}

uint64_t ns_module_room(struct ns_module *m, uint64_t addr)
{
	return ns_elf_code_room(m->elf, addr - m->bias);
}
