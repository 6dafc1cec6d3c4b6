/* samecode.h — two object files compared as code and data (samecode.c). */
#ifndef NONSTOP_GEN_SAMECODE_H
#define NONSTOP_GEN_SAMECODE_H

#include "gen/gen.h"

/* Whether DIR/R1 and DIR/R2 are the same code (1), not (0), or -1 with a
 * message. An object that cannot be read is the same as none. */
int gen_same_objects(struct gen *g, const char *dir, const char *r1, const char *r2);

#endif
