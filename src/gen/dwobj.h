/* dwobj.h — the DWARF of one relocatable object, for the type checks of the
 * generator (types.c, transformer.c) and the line rule (lineshift.c): the
 * DIE that defines a variable or a function of its symbol table. Opened through libdwfl's offline mode, which
 * applies the relocations of the object's .debug_* sections (libdw alone
 * does not), so DWARF addresses and symbol addresses can be compared. */
#ifndef NONSTOP_GEN_DWOBJ_H
#define NONSTOP_GEN_DWOBJ_H

#include <elfutils/libdw.h>
#include <elfutils/libdwfl.h>
#include <stddef.h>

struct dwobj;

/* NULL if PATH cannot be opened or has no DWARF. */
struct dwobj *dwobj_open(const char *path);
void dwobj_close(struct dwobj *d);

/* The DW_TAG_variable that defines data symbol SYM (.symtab index) named
 * NAME: the one whose location is the symbol's address (static locals,
 * whose symbol names are the compiler's: count.0, f.count), else for a
 * symbol without dots a top-level variable of that name (globals, TLS).
 * 0, or -1 if there is none. */
int dwobj_var(struct dwobj *d, size_t sym, const char *name, Dwarf_Die *out);

/* Its libdwfl module: symbols and line tables, in libdwfl's layout of the
 * object (the addresses dwfl_module_getsym_info() gives). */
Dwfl_Module *dwobj_module(struct dwobj *d);

/* The top-level DW_TAG_subprogram whose code covers ADDR (in the module's
 * layout) into *FN, and into *CU (unless NULL) its CU. 0, or -1. */
int dwobj_subprogram_at(struct dwobj *d, Dwarf_Addr addr, Dwarf_Die *cu,
			Dwarf_Die *fn);

/* The DW_TAG_subprogram of function symbol SYM named NAME, at its source
 * level: for a concrete instance or a compiler clone (foo.isra.0), the
 * abstract DIE that declares the function's parameters. 0, or -1. */
int dwobj_func(struct dwobj *d, size_t sym, const char *name, Dwarf_Die *out);

#endif
