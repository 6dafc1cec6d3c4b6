/* types.h — changes of data layout and of function signatures between the
 * two builds, from DWARF (types.c), and what `build --emit-transformer`
 * writes for them (transformer.c).
 *
 * The state of a live variable is kept by binding new code to it
 * (docs/data.md, "Changed types and state transformers"). That is only
 * right if the new code reads it with the layout the old code wrote: so
 * the DWARF type of every variable that exists in both builds (globals,
 * file statics, static locals) is compared structurally —
 * struct and union members by name with their byte and bit offsets, widths
 * and types, recursively through typedefs, qualifiers and arrays with their
 * bounds; enums by their enumerators' values; pointers by the name of what
 * they point to. Sizes alone are not enough: a new field that fits into
 * padding, or a new bit-field, keeps the size but moves other members. A
 * variable whose type changed is refused unless the new build gives a state
 * transformer for it (NONSTOP_TRANSFORM, include/nonstop.h).
 *
 * A replaced function is entered by callers the patch does not change, with
 * the arguments they were compiled for: its signature (return type, number
 * and types of parameters, variable arguments) must not change either. */
#ifndef NONSTOP_GEN_TYPES_H
#define NONSTOP_GEN_TYPES_H

#include <elfutils/libdw.h>

#include "gen/gen.h"

struct gen_types;

struct gen_types *gen_types_new(void);
void gen_types_free(struct gen_types *t);

/* For one pair, after correlation and before gen_decide(): compares the
 * type of every variable the two objects share and records the changes
 * (with --emit-transformer, also the C for them). -1 on a hard error
 * (message in g). */
int gen_types_vars(struct gen *g, const struct gen_pair *pr);

/* True if data symbol SYM of the new object of the pair being processed
 * changed its type, or is transformed: its initializer is then not
 * compared (the change is what gen_types_refuse() reports, the transformer
 * what replaces it). */
int gen_types_var_changed(const struct gen *g, size_t sym);

/* True if data symbol SYM of the pair's new object is transformed: it has
 * a NONSTOP_TRANSFORM (xform.h), its type changed or not. */
int gen_types_var_transformed(const struct gen *g, size_t sym);

/* After gen_decide(): -1 with a message naming the function and the
 * parameter if a function the pair replaces changed its signature. */
int gen_types_funcs(struct gen *g, const struct gen_pair *pr);

/* After every pair: -1 with the one-line refusal if a variable changed its
 * type (with --emit-transformer, after writing the transformer file). */
int gen_types_refuse(struct gen *g);

/* True if types A and B (NULL: void) are the same by the rules above. */
int gen_types_same(Dwarf_Die *a, Dwarf_Die *b);

/* ---- the transformer file (transformer.c) ---------------------------------- */

struct gen_xfile;

struct gen_xfile *gen_xfile_new(void);
void gen_xfile_free(struct gen_xfile *x);

/* One changed variable: its display name NAME (as written in the source),
 * its C identifier stem ID (unique in the file), where it is defined
 * (WHERE: "main.c", or "function f in main.c" for a static local), and its
 * old and new types (NULL: void). */
void gen_xfile_var(struct gen_xfile *x, const char *name, const char *id,
		   const char *where, Dwarf_Die *old_type, Dwarf_Die *new_type);

/* Writes the file; -1 with a message. *NVARS and *NTODO get the number of
 * transformers and of placeholders left to fill. */
int gen_xfile_write(struct gen_xfile *x, const char *path, unsigned *nvars,
		    unsigned *ntodo, char *err, size_t errlen);

#endif
