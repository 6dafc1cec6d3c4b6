/* binary.c — the binary a patch is built for (executable, PIE or not, or
 * shared library): its build-id, and for each replaced function its size and
 * the checksum of its bytes as linked (relocated fields masked), found
 * through .symtab (locals disambiguated by the STT_FILE symbol that precedes
 * them). Also the binary linked from the new build (--new-binary). */
#include <stdlib.h>
#include <string.h>

#include "elf/elf_util.h"
#include "elf/code_room.h"
#include "elf/symbols.h"
#include "gen/gen.h"

struct gbin {
	struct ns_elf e;
	Elf_Scn      *symtab;
	uint64_t      last_addr;  /* address of the last symbol found */
	uint64_t      last_size;  /* and its size */
};

int gbin_open(struct gen *g, const char *path, struct gbin **out)
{
	struct gbin *b = calloc(1, sizeof(*b));
	Elf_Scn *scn;
	GElf_Shdr sh;

	*out = NULL;
	if (!b)
		return gen_fail(g, "%s: out of memory", path);
	if (ns_elf_open(path, &b->e, g->err)) {
		free(b);
		return -1;
	}
	scn = ns_elf_find_type(&b->e, SHT_SYMTAB);
	if (!scn || !gelf_getshdr(scn, &sh) || !sh.sh_entsize ||
	    !elf_getdata(scn, NULL)) {
		gen_fail(g, "refusing: %s has no symbol table (stripped?); build the "
			 "patch against the unstripped binary", path);
		gbin_close(b);
		return -1;
	}
	b->symtab = scn;
	*out = b;
	return 0;
}

void gbin_close(struct gbin *b)
{
	if (!b)
		return;
	ns_elf_close(&b->e);
	free(b);
}

int gbin_build_id(struct gen *g, struct gbin *b, uint8_t *buf, size_t max)
{
	int n = ns_elf_build_id(&b->e, buf, max);

	if (n <= 0)
		return gen_fail(g, "refusing: %s has no usable GNU build-id "
				"(link with -Wl,--build-id)", b->e.path);
	return n;
}

const char *gbin_path(const struct gbin *b)
{
	return b->e.path;
}

int gbin_find(struct gen *g, struct gbin *b, const char *name, const char *file,
	      uint64_t *size)
{
	GElf_Sym found;
	int count = ns_elf_find_symbol(b->e.elf, b->symtab, name, file, &found);

	if (count == 0)
		return gen_fail(g, "refusing: %s%s%s is not in %s", name,
				file ? " of " : "", file ? file : "", b->e.path);
	if (count > 1 && file)
		return gen_fail(g, "refusing: %s of %s is ambiguous in %s (%d files "
				"named %s define it)", name, file, b->e.path, count, file);
	*size = found.st_size;
	b->last_addr = found.st_value;
	b->last_size = found.st_size;
	return 0;
}

/* Checksums the bytes of the last function found, in the binary's loadable
 * sections, skipping MASKS. */
int gbin_last_sum(struct gen *g, struct gbin *b, const char *name,
		  const struct ns_mask *masks, uint32_t n, uint64_t *sum)
{
	uint64_t addr = b->last_addr, size = b->last_size;
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;

	while ((scn = elf_nextscn(b->e.elf, scn))) {
		Elf_Data *d;
		uint8_t *copy;

		if (!gelf_getshdr(scn, &sh) || !(sh.sh_flags & SHF_ALLOC) ||
		    sh.sh_type == SHT_NOBITS || addr < sh.sh_addr ||
		    addr - sh.sh_addr >= sh.sh_size)
			continue;
		if (size > sh.sh_size - (addr - sh.sh_addr) || !(d = ns_elf_data(scn)))
			break;
		copy = malloc(size ? size : 1);
		if (!copy)
			return gen_fail(g, "out of memory");
		memcpy(copy, (const uint8_t *)d->d_buf + (addr - sh.sh_addr), size);
		*sum = ns_mask_checksum(copy, size, masks, n);
		free(copy);
		return 0;
	}
	return gen_fail(g, "%s: bytes of %s (%#lx, %lu bytes) are not in the file",
			b->e.path, name, (unsigned long)addr, (unsigned long)size);
}

uint64_t gbin_last_room(struct gbin *b)
{
	return ns_elf_code_room(b->e.elf, b->last_addr);
}
