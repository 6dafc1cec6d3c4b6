/* worklog.c — the log of one step of `nonstop build --src`: created new in
 * the work directory (workdir.c), handed to the step's tool as its stdout
 * and stderr, and read back through that descriptor, to name why a step
 * failed and to show the end of what the tool said. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "srctree/worklog.h"
#include "util/err.h"

/* Reads what is left of the file open as FD (NUL-terminated). */
char *ns_read_fd(int fd, size_t *len)
{
	char *buf = NULL;
	size_t cap = 0, n = 0;

	for (;;) {
		ssize_t got;

		if (n + 4096 + 1 > cap) {
			char *b2 = realloc(buf, cap = cap ? 2 * cap : 8192);

			if (!b2) {
				free(buf);
				errno = ENOMEM;
				return NULL;
			}
			buf = b2;
		}
		got = read(fd, buf + n, 4096);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			free(buf);
			return NULL;
		}
		if (got == 0)
			break;
		n += (size_t)got;
	}
	buf[n] = '\0';
	if (len)
		*len = n;
	return buf;
}

int ns_worklog_open(const struct ns_workdir *w, const char *name,
		    struct ns_worklog *l, struct ns_err *err)
{
	l->path = NULL;
	if ((l->fd = ns_workdir_create(w, name, err)) < 0)
		return -1;
	if (asprintf(&l->path, "%s/%s", w->path, name) < 0) {
		l->path = NULL;
		close(l->fd);
		l->fd = -1;
		return ns_err_set(err, "out of memory");
	}
	return 0;
}

void ns_worklog_close(struct ns_worklog *l)
{
	if (l->fd >= 0)
		close(l->fd);
	free(l->path);
	l->fd = -1;
	l->path = NULL;
}

char *ns_worklog_read(const struct ns_worklog *l, size_t *len)
{
	return lseek(l->fd, 0, SEEK_SET) ? NULL : ns_read_fd(l->fd, len);
}

void ns_worklog_show_tail(const struct ns_worklog *l, int n)
{
	size_t len;
	char *s = ns_worklog_read(l, &len), *p;
	int lines = 0;

	if (!s)
		return;
	p = s + len;
	if (p > s && p[-1] == '\n')
		p--;
	while (p > s && lines < n)
		if (*--p == '\n')
			lines++;
	if (*p == '\n')
		p++;
	printf("  last lines of the output (%s):\n", l->path);
	for (char *q = p; *q;) {
		char *nl = strchr(q, '\n');

		printf("  | %.*s\n", nl ? (int)(nl - q) : (int)strlen(q), q);
		q = nl ? nl + 1 : q + strlen(q);
	}
	free(s);
}
