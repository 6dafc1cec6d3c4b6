/* code_room.c — room for an entry jump: a function plus its padding. */
#include <stddef.h>

#include "elf/code_room.h"

static uint64_t section_end(Elf *elf, uint64_t a)
{
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;

	while ((scn = elf_nextscn(elf, scn)))
		if (gelf_getshdr(scn, &sh) && (sh.sh_flags & SHF_EXECINSTR) &&
		    a >= sh.sh_addr && a < sh.sh_addr + sh.sh_size)
			return sh.sh_addr + sh.sh_size;
	return 0;
}

uint64_t ns_elf_code_room(Elf *elf, uint64_t a)
{
	uint64_t limit = section_end(elf, a);
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;
	Elf_Data *d = NULL;

	if (!limit)
		return 0;
	while ((scn = elf_nextscn(elf, scn)))
		if (gelf_getshdr(scn, &sh) && sh.sh_type == SHT_SYMTAB)
			break;
	if (!scn || !(d = elf_getdata(scn, NULL)) || !sh.sh_entsize)
		return 0;
	for (size_t i = 1; i < sh.sh_size / sh.sh_entsize; i++) {
		GElf_Sym s;
		unsigned type;

		if (!gelf_getsym(d, (int)i, &s))
			break;
		type = GELF_ST_TYPE(s.st_info);
		if (s.st_shndx == SHN_UNDEF || type == STT_FILE ||
		    type == STT_SECTION || type == STT_TLS)
			continue;
		if (s.st_value > a && s.st_value < limit)
			limit = s.st_value;
	}
	return limit - a;
}
