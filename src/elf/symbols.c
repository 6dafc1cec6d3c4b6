/* symbols.c — symbol lookup by name and source file in a linked ELF file. */
#include <stdbool.h>
#include <string.h>

#include "elf/symbols.h"

static bool name_matches(const char *sn, const char *name, bool versioned)
{
	size_t len = strlen(name);

	return !strncmp(sn, name, len) &&
	       (sn[len] == 0 || (versioned && sn[len] == '@'));
}

int ns_elf_find_symbol(Elf *elf, Elf_Scn *symtab, const char *name,
		       const char *file, GElf_Sym *out)
{
	const char *cur_file = NULL;
	GElf_Shdr sh;
	Elf_Data *d;
	int found = 0;

	if (!symtab || !gelf_getshdr(symtab, &sh) || !sh.sh_entsize ||
	    !(d = elf_getdata(symtab, NULL)))
		return 0;
	for (size_t i = 1; i < sh.sh_size / sh.sh_entsize; i++) {
		GElf_Sym s;
		const char *sn;
		unsigned bind;

		if (!gelf_getsym(d, (int)i, &s))
			break;
		sn = elf_strptr(elf, sh.sh_link, s.st_name);
		if (!sn)
			continue;
		if (GELF_ST_TYPE(s.st_info) == STT_FILE) {
			cur_file = sn;
			continue;
		}
		bind = GELF_ST_BIND(s.st_info);
		if (s.st_shndx == SHN_UNDEF || !name_matches(sn, name, !file))
			continue;
		if (file ? bind != STB_LOCAL || !cur_file || strcmp(cur_file, file)
			 : bind == STB_LOCAL)
			continue;
		if (found++ == 0)
			*out = s;
	}
	return found;
}
