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

/* One pass over SYMTAB: the definitions of NAME among the locals of FILE
 * (FILE set), the globals (HIDDEN false), or the locals the linker made of
 * hidden globals (HIDDEN true: those that follow no STT_FILE, or the
 * empty one GNU ld puts before them). */
static int find_pass(Elf *elf, GElf_Shdr *sh, Elf_Data *d, const char *name,
		     const char *file, bool hidden, GElf_Sym *out)
{
	const char *cur_file = NULL;
	int found = 0;

	for (size_t i = 1; i < sh->sh_size / sh->sh_entsize; i++) {
		GElf_Sym s;
		const char *sn;
		unsigned bind;
		bool ok;

		if (!gelf_getsym(d, (int)i, &s))
			break;
		sn = elf_strptr(elf, sh->sh_link, s.st_name);
		if (!sn)
			continue;
		if (GELF_ST_TYPE(s.st_info) == STT_FILE) {
			cur_file = sn;
			continue;
		}
		bind = GELF_ST_BIND(s.st_info);
		if (s.st_shndx == SHN_UNDEF ||
		    !name_matches(sn, name, !file && !hidden))
			continue;
		if (file)
			ok = bind == STB_LOCAL && cur_file && !strcmp(cur_file, file);
		else if (hidden)
			ok = bind == STB_LOCAL && (!cur_file || !*cur_file) &&
			     GELF_ST_TYPE(s.st_info) != STT_SECTION;
		else
			ok = bind != STB_LOCAL;
		if (ok && found++ == 0)
			*out = s;
	}
	return found;
}

/* Whether NAME can name a symbol of the table whose header is SH: some
 * string of its string table contains it (a string table may store a
 * name as the tail of a longer one, and a versioned name has "@VER"
 * after it, so this is a filter, not the lookup). A name absent from the
 * strings is absent from the table: one memmem instead of a pass over
 * every symbol (most lookups of libnonstop's control block, in every
 * module of every process of a host-wide apply, find nothing). */
static bool in_strings(Elf *elf, const GElf_Shdr *sh, const char *name)
{
	Elf_Scn *str = elf_getscn(elf, sh->sh_link);
	Elf_Data *d = str ? elf_getdata(str, NULL) : NULL;

	if (!d || !d->d_buf)
		return true;   /* cannot tell: look */
	return memmem(d->d_buf, d->d_size, name, strlen(name)) != NULL;
}

int ns_elf_find_symbol(Elf *elf, Elf_Scn *symtab, const char *name,
		       const char *file, GElf_Sym *out)
{
	GElf_Shdr sh;
	Elf_Data *d;
	int found;

	if (!symtab || !gelf_getshdr(symtab, &sh) || !sh.sh_entsize ||
	    !(d = elf_getdata(symtab, NULL)) || !in_strings(elf, &sh, name))
		return 0;
	found = find_pass(elf, &sh, d, name, file, false, out);
	if (found || file)
		return found;
	return find_pass(elf, &sh, d, name, NULL, true, out);
}
