/* sigchange.h — a local function whose signature changed becomes a new
 * function of the patch, beside the old one (sigchange.c says when). */
#ifndef NONSTOP_GEN_SIGCHANGE_H
#define NONSTOP_GEN_SIGCHANGE_H

#include "gen/gen.h"

/* New symbol SYM of PR, which the pair replaces and whose signature
 * changed (WHY says how): made a new function (GEN_NEW_FUNC, reason
 * NS_REASON_SIGNATURE, no longer correlated with the old one), and every
 * caller the patch would keep replaced. 0, or -1 with the refusal naming
 * what could still call the old function with the new arguments (a
 * function the binary exports, a stored or computed address). */
int gen_sigchange(struct gen *g, struct gen_pair *pr, size_t sym, const char *why);

/* After every pair: each function of another object that calls a global
 * made a new function must be one the patch P replaces; -1 with the
 * refusal naming the first that is not. */
int gen_sigchange_finish(struct gen *g, const struct ns_patch *p);
void gen_sigchange_free(struct gen *g);

#endif
