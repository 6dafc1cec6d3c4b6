/* ctype_priv.h — what ctype.c (declarators) and ctype_def.c (definitions
 * under a prefix) share, and nothing else includes: a declarator spells an
 * anonymous struct by value with its body, and a definition's members are
 * declarators. */
#ifndef NONSTOP_GEN_CTYPE_PRIV_H
#define NONSTOP_GEN_CTYPE_PRIV_H

#include <elfutils/libdw.h>

struct ctype_defs;   /* ctype.h */
struct strbuf;       /* util/strbuf.h */

#define DEPTH_MAX 48   /* types nest no deeper in real programs */

/* Where a type is being spelled. */
struct pctx {
	struct ctype_defs *defs;  /* NULL: the program's own names */
	int in_ptr;               /* spelling what a pointer points to */
	int indent;               /* of an inline struct body */
};

/* Appends the declaration of T around the declarator INNER (which it
 * consumes) to OUT (ctype.c). */
void ctype_decl_in(struct pctx *c, struct strbuf *out, Dwarf_Die *t,
		   struct strbuf *inner, int depth);

/* Appends the body "{ ... }" of struct, union or enum T, with its layout
 * attributes (ctype_def.c). */
void ctype_body(struct pctx *c, struct strbuf *out, Dwarf_Die *t, int depth);

/* N tabs. */
void ctype_indent(struct strbuf *out, int n);

/* "struct", "union" or "enum" for TAG. */
const char *ctype_tag_keyword(int tag);

#endif
