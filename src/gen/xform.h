/* xform.h — the state transformers of the new build (xform.c): the records
 * NONSTOP_TRANSFORM and NONSTOP_UNTRANSFORM leave in ".nonstop.transform"
 * (include/nonstop.h), read from every new object before any pair is
 * compared, so that each object knows which variables the patch moves —
 * also those of other objects it refers to by name. */
#ifndef NONSTOP_GEN_XFORM_H
#define NONSTOP_GEN_XFORM_H

#include "gen/gen.h"
#include "gen/walk.h"

#define GEN_XFORM_SECTION ".nonstop.transform"

enum { GEN_XFORM_APPLY = 1, GEN_XFORM_REVERT = 2 };

/* One record. */
struct gen_xrec {
	char    *obj;        /* the object (relative path) holding it */
	char    *var;        /* the variable's symbol name there */
	int      var_local;  /* a static of that object */
	size_t   var_sym;    /* its .symtab index there, 0 if it is a global
				defined in another object */
	char    *fn;         /* the transformer's symbol name */
	size_t   fn_sym;     /* its index in obj, 0 if defined elsewhere */
	uint32_t kind;       /* GEN_XFORM_APPLY or GEN_XFORM_REVERT */
};

struct gen_xforms {
	struct gen_xrec *v;
	size_t n;
};

/* Reads the records of every object NEW_DIR/REL of NF into G->xforms. -1
 * with a message on a malformed one. */
int  gen_xform_scan(struct gen *g, const char *new_dir, const struct gen_files *nf);
void gen_xform_free(struct gen_xforms *x);

/* The record of KIND for variable SYM of O (its static, or a global by
 * name from any object), or NULL. */
const struct gen_xrec *gen_xform_for(const struct gen *g, const struct gobj *o,
				     size_t sym, uint32_t kind);

/* True if symbol SYM of O is a record (not data of the program). */
int gen_xform_is_record(const struct gobj *o, size_t sym);

/* For one pair, after gen_types_vars(): the variable that section SEC of
 * the new object refers to, directly or through the anonymous sections it
 * refers to, among those the patch transforms; NULL if none. */
const char *gen_xform_refers(const struct gen *g, const struct gen_pair *pr,
			     size_t sec);

/* After gen_decide(): -1 with a message if data that stays live (bound to
 * the program's) refers to a transformed variable: it would go on
 * pointing at the old one. */
int gen_xform_check_data(struct gen *g, const struct gen_pair *pr);

/* After every pair: each transformer entry of P is code the patch brings,
 * and each record had its variable (-1 with a message). */
int gen_xform_check_patch(struct gen *g, const struct ns_patch *p);

#endif
