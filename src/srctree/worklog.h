/* worklog.h — the log of one step of `nonstop build --src` (worklog.c): a
 * file created new in the work directory, which the step's tool writes and
 * nonstop reads back through the same descriptor (never by path: see
 * workdir.h), to say why a step failed. */
#ifndef NONSTOP_SRCTREE_WORKLOG_H
#define NONSTOP_SRCTREE_WORKLOG_H
#include "util/err.h"

#include <stddef.h>

#include "srctree/workdir.h"

struct ns_worklog {
	int   fd;      /* -1 when closed */
	char *path;    /* WORK/NAME, for messages */
};

/* Creates the log NAME in W (ns_workdir_create). 0, or -1 with a message in
 * ERR (L is then closed). */
int ns_worklog_open(const struct ns_workdir *w, const char *name,
		    struct ns_worklog *l, struct ns_err *err);

/* Closes L (a closed one too). */
void ns_worklog_close(struct ns_worklog *l);

/* The whole of L (malloc'd, NUL-terminated, length in *LEN if LEN), or
 * NULL with errno set. */
char *ns_worklog_read(const struct ns_worklog *l, size_t *len);

/* Prints the last N lines of L, indented, on stdout. */
void ns_worklog_show_tail(const struct ns_worklog *l, int n);

/* Reads what is left of the file open as FD (malloc'd, NUL-terminated,
 * length in *LEN if LEN), or NULL with errno set. */
char *ns_read_fd(int fd, size_t *len);

#endif
