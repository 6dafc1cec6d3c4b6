/* linemap.h — line neutrality at the source: rewrites a unified diff so
 * that no hunk moves the line numbers of the code after it (linemap.c). */
#ifndef NONSTOP_SRCTREE_LINEMAP_H
#define NONSTOP_SRCTREE_LINEMAP_H
#include "util/err.h"

#include <stddef.h>

/* Rewrites the unified diff IN (LEN bytes): after every group of changed
 * lines that changes the line count, inserts an added line
 *     #line N
 * where N is the number the following line had in the old file (as the
 * compiler counts: the line directives already in the file, read in
 * OLD_DIR, a directory fd, or physical lines if it is -1), and fixes the
 * hunk headers; a file that is not C source or a header gets none. `#line N` without a file name keeps the presumed file
 * name (__FILE__) exactly what the compiler would use anyway.
 * Returns the new text (malloc'd, NUL-terminated, length in *OUTLEN), or
 * NULL with a message in ERR if the diff is malformed. Groups where no
 * directive can be placed (inside a block comment or a macro continuation
 * up to the end of the hunk) are described in WARN (one line each, may be
 * empty); *NWARN counts them. */
char *ns_linemap_rewrite(const char *in, size_t len, int old_dir, size_t *outlen,
			 unsigned *nwarn, char *warn, size_t warnlen,
			 struct ns_err *err);

#endif
