/* linked.h — which objects of the two builds the program being patched
 * links (linked.c). */
#ifndef NONSTOP_GEN_LINKED_H
#define NONSTOP_GEN_LINKED_H

#include "gen/gen.h"
#include "gen/walk.h"

/* Leaves out of OF (the old build's objects) and NF (the new build's)
 * every object pair whose old object --binary does not link (another
 * program of the tree), and of the objects --binary cannot tell apart (the
 * same code, built for two programs) all but one; with --new-binary, the
 * new build's objects that it does not link too. Each object left out is
 * named by -v. -1 with a message when --binary links none of OF, or when
 * objects it cannot tell apart change differently. */
int gen_linked_select(struct gen *g, struct gen_files *of, struct gen_files *nf);

#endif
