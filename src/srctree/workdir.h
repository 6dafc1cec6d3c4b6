/* workdir.h — the private work directory of `nonstop build --src`
 * (workdir.c): made or checked, held open, and the one place where the
 * files nonstop writes there are created and the tools it runs are started.
 *
 * nonstop often runs as root; a directory another user owns or can write to
 * would let that user plant symlinks (root then overwrites a file of their
 * choice) or swap the trees root builds. So the directory is opened without
 * following a symlink and checked on its open descriptor (a directory of the
 * caller's, writable by no one else), every file in it is created O_EXCL and
 * O_NOFOLLOW relative to that descriptor, and every tool starts in it by
 * fchdir(): a rename of the path meanwhile changes nothing of what is used. */
#ifndef NONSTOP_SRCTREE_WORKDIR_H
#define NONSTOP_SRCTREE_WORKDIR_H
#include "util/err.h"

#include <stddef.h>

struct ns_workdir {
	int   fd;     /* the directory, open and checked; -1 if none */
	char *path;   /* its absolute path, for messages and for readers */
};

/* Makes a new directory from TEMPLATE (an absolute path ending in XXXXXX,
 * as for mkdtemp: mode 0700, a name no one had) and marks it as nonstop's.
 * 0, or -1 with a message in ERR. */
int ns_workdir_fresh(struct ns_workdir *w, const char *template,
		     struct ns_err *err);

/* Takes PATH (absolute) as the work directory: created 0700 if missing;
 * else it must be a real directory (not a symlink), owned by the effective
 * user, not writable by group or others, and either empty (it is then
 * marked) or marked as nonstop's by an earlier run, whose entries named in
 * STALE (NULL-terminated, relative) are then removed without following
 * symlinks. 0, or -1 with a message in ERR naming PATH and why. */
int ns_workdir_reuse(struct ns_workdir *w, const char *path,
		     const char *const stale[], struct ns_err *err);

/* Creates the new file NAME in W (O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW |
 * O_CLOEXEC, mode 0600): its descriptor, or -1 with a message in ERR. */
int ns_workdir_create(const struct ns_workdir *w, const char *name,
		      struct ns_err *err);

/* Creates the new file NAME in W holding the N bytes of S. 0, or -1 with a
 * message in ERR. */
int ns_workdir_write(const struct ns_workdir *w, const char *name,
		     const char *s, size_t n, struct ns_err *err);

/* Runs ARGV (searched in PATH) in W, or in its subdirectory SUB, with stdin
 * from /dev/null and stdout and stderr to LOGFD (-1: /dev/null). Its exit
 * status, 128 + the signal that killed it, or -1 if it could not start. */
int ns_workdir_run(const struct ns_workdir *w, const char *sub, int logfd,
		   char *const argv[]);

/* 0 if W's path still names the directory W holds open (the generator reads
 * the trees by path), else -1 with a message in ERR. */
int ns_workdir_check(const struct ns_workdir *w, struct ns_err *err);

void ns_workdir_close(struct ns_workdir *w);

#endif
