/* sigchange.h — a local function whose signature changed becomes a new
 * function of the patch, beside the old one (sigchange.c says when). */
#ifndef NONSTOP_GEN_SIGCHANGE_H
#define NONSTOP_GEN_SIGCHANGE_H

#include "gen/gen.h"

/* New symbol SYM of PR, which the pair replaces and whose signature
 * changed (WHY says how): made a new function (GEN_NEW_FUNC, reason
 * NS_REASON_SIGNATURE, no longer correlated with the old one), and every
 * caller the patch would keep replaced. 0, or -1 with the refusal naming
 * what could still call the old function with the new arguments (a global
 * function, a stored or computed address). */
int gen_sigchange(struct gen *g, struct gen_pair *pr, size_t sym, const char *why);

#endif
