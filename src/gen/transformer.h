/* transformer.h — what `nonstop build --emit-transformer FILE` writes when
 * variables changed their type (transformer.c): C with their old and new
 * types and, for each, a transformer to start from. A step of the pipeline
 * of its own: it reads what the type comparison (types.h) marked in each
 * pair, and nothing of the comparison calls into it. */
#ifndef NONSTOP_GEN_TRANSFORMER_H
#define NONSTOP_GEN_TRANSFORMER_H

#include "gen/gen.h"

struct gen_xfile;

/* For one pair, after gen_types_vars(), with --emit-transformer: the old
 * and new types of every variable marked GEN_VAR_CHANGED, and its
 * transformers, into the file of G (made on first need, g->xfile). -1 on a
 * hard error (message in G). */
int gen_transformer_pair(struct gen *g, const struct gen_pair *pr);

/* After every pair: writes the file if it was made, and counts its
 * transformers and placeholders in g->stats. -1 with a message. */
int gen_transformer_write(struct gen *g);

void gen_xfile_free(struct gen_xfile *x);

#endif
