/* heaplayout.h — a warning when a struct or union the variables do not
 * show changed its layout in an object whose code the patch replaces
 * (heaplayout.c says why a warning). */
#ifndef NONSTOP_GEN_HEAPLAYOUT_H
#define NONSTOP_GEN_HEAPLAYOUT_H

#include "gen/gen.h"

/* After the pair's decisions: one warning (gen_warn) per named type of
 * PR's new object whose layout differs from the old object's, unless a
 * variable has that type or a state transformer of the pair moves data. */
void gen_heaplayout_check(struct gen *g, const struct gen_pair *pr);

#endif
