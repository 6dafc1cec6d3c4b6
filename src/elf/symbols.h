/* symbols.h — finding a symbol of a linked ELF file by name, the way a
 * patch names it: a global by name, a local (static) by name within the
 * source file whose STT_FILE symbol precedes it. */
#ifndef NONSTOP_SYMBOLS_H
#define NONSTOP_SYMBOLS_H
#include <gelf.h>

/* Searches the section SYMTAB (SHT_SYMTAB or SHT_DYNSYM) of ELF for a
 * definition of NAME: among the locals of source file FILE if FILE is set,
 * else among global definitions (a global also matches as "NAME@VERSION",
 * the copy a non-PIE executable holds of a library's variable), and when
 * there is none, among the globals of hidden visibility the linker made
 * local (-fvisibility=hidden: global in their objects, local in the
 * program, after no STT_FILE or GNU ld's empty one; one link has one of
 * each name). Returns how many matched (0, 1, or more: ambiguous); *OUT
 * gets the first. */
int ns_elf_find_symbol(Elf *elf, Elf_Scn *symtab, const char *name,
		       const char *file, GElf_Sym *out);
#endif
