/* types.h — changes of data layout and of function signatures between the
 * two builds, from DWARF (types.c).
 *
 * The state of a live variable is kept by binding new code to it
 * (docs/data.md, "Changed types and state transformers"). That is only
 * right if the new code reads it with the layout the old code wrote: so
 * the DWARF type of every variable that exists in both builds (globals,
 * file statics, static locals) is compared structurally (typecmp.h). A
 * variable whose type changed is refused unless the new build gives a state
 * transformer for it (NONSTOP_TRANSFORM, include/nonstop.h);
 * `build --emit-transformer` writes one to start from (transformer.h, a
 * later step that reads what this one marks).
 *
 * A replaced function is entered by callers the patch does not change, with
 * the arguments they were compiled for: its signature (return type, number
 * and types of parameters, variable arguments) must not change either,
 * unless it can be left in place and the new version added beside it
 * (sigchange.h). */
#ifndef NONSTOP_GEN_TYPES_H
#define NONSTOP_GEN_TYPES_H

#include <elfutils/libdw.h>

#include "gen/gen.h"

struct gen_types;

struct gen_types *gen_types_new(void);
void gen_types_free(struct gen_types *t);

/* For one pair, after correlation and before gen_decide(): fills PR->var
 * (enum gen_var, gen.h) for every variable of the new object: transformed
 * if it has a NONSTOP_TRANSFORM (xform.h), its type changed or not;
 * changed if its type is not the old one's, the change then recorded for
 * gen_types_refuse(); else the same. -1 on a hard error (message in g). */
int gen_types_vars(struct gen *g, struct gen_pair *pr);

/* After gen_decide(): a function the pair replaces whose signature changed
 * becomes a new function beside the old one when it is local and nothing
 * left in place can call the old one with the new arguments
 * (sigchange.h); otherwise -1 with a message naming the function, the
 * parameter and what could. */
int gen_types_funcs(struct gen *g, struct gen_pair *pr);

/* Whether a variable's type change recorded so far is of named type TYPE
 * ("struct item"). */
int gen_types_changed(struct gen *g, const char *type);
/* 1 the first time it is asked about TYPE, then 0: one warning per type
 * (heaplayout.h) however many objects include it. */
int gen_types_first_warning(struct gen *g, const char *type);

/* After every pair (and gen_transformer_write()): -1 with the one-line
 * refusal if a variable changed its type, saying where the transformer
 * file was written if it was. */
int gen_types_refuse(struct gen *g);

#endif
