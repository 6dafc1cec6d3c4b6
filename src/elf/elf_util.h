/* elf_util.h — thin helpers over libelf/libdw shared by the tool: open an
 * ELF file, name and find sections, read the GNU build-id. Generic: nothing
 * here knows about patches. */
#ifndef NONSTOP_ELF_UTIL_H
#define NONSTOP_ELF_UTIL_H
#include "util/err.h"

#include <gelf.h>
#include <stddef.h>
#include <stdint.h>

struct ns_elf {
	const char *path;
	int         fd;
	Elf        *elf;
	size_t      shnum;
	size_t      shstrndx;
};

/* Opens PATH read-only as an ELF file. 0, or -1 with "PATH: reason" in ERR. */
int ns_elf_open(const char *path, struct ns_elf *out, struct ns_err *err);
void ns_elf_close(struct ns_elf *e);

/* Name of section SCN ("" if it has none or it is invalid). */
const char *ns_elf_section_name(const struct ns_elf *e, Elf_Scn *scn);
/* First section named NAME, or NULL. */
Elf_Scn *ns_elf_find_section(const struct ns_elf *e, const char *name);
/* First section of type TYPE (e.g. SHT_SYMTAB), or NULL. */
Elf_Scn *ns_elf_find_type(const struct ns_elf *e, uint32_t type);
/* Bytes of section SCN (whole raw data), NULL for NOBITS/empty/invalid. The
 * size is checked against the file by libelf. */
Elf_Data *ns_elf_data(Elf_Scn *scn);

/* Copies the GNU build-id into BUF (at most MAX bytes); its length, or 0 if
 * the file has none, -1 if it does not fit. */
int ns_elf_build_id(const struct ns_elf *e, uint8_t *buf, size_t max);

#endif
