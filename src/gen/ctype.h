/* ctype.h — C text of DWARF types: the name of a type for messages
 * ("struct item", "int[4]", "int (*)(int, ...)"), and the definitions of
 * types written out again as C (nonstop build --emit-transformer), renamed
 * with a prefix (old_, new_) so that both versions of a type can live in one
 * file. */
#ifndef NONSTOP_GEN_CTYPE_H
#define NONSTOP_GEN_CTYPE_H

#include <elfutils/libdw.h>
#include <stdint.h>

#include "util/strbuf.h"

/* Appends the C name of type T (NULL: void), as the program spells it. */
void ctype_name(struct strbuf *out, Dwarf_Die *t);

/* Writing types out again under a prefix. Every struct, union and enum tag,
 * enumerator and typedef name reached by value from a type gets PREFIX;
 * types reached through a pointer are spelled with the program's names
 * (tags as incomplete types, typedefs expanded, anonymous ones as void), so
 * that a pointer field of the old and of the new type can be assigned to
 * each other. */
struct ctype_names {
	char  **v;
	size_t  n, cap;
	int     oom;
};

/* Adds NAME unless present: 1 if added, 0 if it was there, -1 (and oom
 * set) out of memory. */
int  ctype_names_add(struct ctype_names *s, const char *name);
void ctype_names_free(struct ctype_names *s);

struct ctype_defs {
	struct strbuf      *out;    /* the definitions go here */
	const char         *prefix; /* "old_" or "new_" */
	struct ctype_names *done;   /* names already defined or declared
				       (may be shared by several defs) */
	struct strbuf      *fwd;    /* "struct item;" for every tag spelled
				       through a pointer, each once: goes
				       before every definition */
};

/* Defines, into DEFS->out, every named type T needs by value (T itself if
 * named), each once, in an order C accepts, each struct followed by
 * _Static_asserts of its size and member offsets. */
void ctype_define(struct ctype_defs *defs, Dwarf_Die *t);

/* Appends "TYPE DECL" for T (NULL: void) with the names of DEFS->prefix,
 * e.g. DECL "(*o)" for "struct old_item (*o)[4]". */
void ctype_decl(struct ctype_defs *defs, struct strbuf *out, Dwarf_Die *t,
		const char *decl);

#endif
