/* fixapply.h — the fix applied to WORK/new line-neutral (fixapply.c), the
 * step of `nonstop build --src` between copying the built tree and
 * rebuilding it. */
#ifndef NONSTOP_SRCTREE_FIXAPPLY_H
#define NONSTOP_SRCTREE_FIXAPPLY_H
#include "util/err.h"

#include <stddef.h>

#include "srctree/workdir.h"

/* The fix as applied, kept in WORK for the user to read. */
#define NS_FIX_NEUTRAL "fix.line-neutral.diff"

/* Applies the unified diff FIX (-p1, else -p0) to W's new/ (a copy of old/
 * with the timestamps kept), then makes its changes line-neutral: the
 * files it touched are put back and the exact diff, rewritten with #line
 * directives, applied instead. Writes in W the logs patch-p1.log,
 * patch-p0.log, patch.log, patch-line-neutral.log and the files
 * fix.exact.diff and NS_FIX_NEUTRAL. SRC (the user's tree) only names it
 * in messages. 0, or -1 with a message in ERR. */
int ns_fix_apply(const struct ns_workdir *w, const char *fix, const char *src,
		 struct ns_err *err);

#endif
