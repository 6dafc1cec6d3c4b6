/* srcdiff.h — the source-diff workflow of `nonstop build --src DIR --diff
 * FIX.diff` (srcdiff.c): builds the original tree and the fixed one in a
 * work directory, so that ns_gen_build() can compare them. */
#ifndef NONSTOP_SRCTREE_SRCDIFF_H
#define NONSTOP_SRCTREE_SRCDIFF_H
#include "util/err.h"

#include <stddef.h>

struct ns_srcdiff_opts {
	const char *src;      /* the user's source tree; never written */
	const char *diff;     /* the fix, a unified diff (-p1 or -p0) */
	const char *make;     /* build command run by sh in each tree ("make") */
	const char *binary;   /* the program, relative to src (NULL: detect) */
	const char *work;     /* --work: a directory of the caller's, reused
				 (workdir.h); NULL: a fresh PATCH.work.XXXXXX */
	const char *patch;    /* the patch to write: the default work directory
				 is made next to it */
	int         verbose;
};

struct ns_srcdiff_result {
	char *old_dir, *new_dir;   /* WORK/old, WORK/new (absolute) */
	char *binary;              /* the program built in WORK/old */
	unsigned changed;          /* objects rebuilt in WORK/new */
};

/* Makes the work directory (printed as "work directory: WORK"), then runs
 * the steps (copy, build, apply the line-neutral diff, rebuild), printing
 * each on stdout; CMD runs as the calling user. 0 on success, else -1 with
 * a message naming the step in ERR (the tail of a failed command's output
 * is printed first). */
int  ns_srcdiff_prepare(const struct ns_srcdiff_opts *o,
			struct ns_srcdiff_result *r, struct ns_err *err);
void ns_srcdiff_result_free(struct ns_srcdiff_result *r);

/* Reads file PATH whole (NUL-terminated); NULL with a message in ERR. */
char *ns_srcdiff_read_file(const char *path, size_t *len, struct ns_err *err);

#endif
