/* jobs.c — one child per job, at most J->parallel at once (jobs.h). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "host/jobs.h"

struct slot {
	pid_t  child;          /* 0: free */
	int    fd;             /* read end of its pipe */
	size_t job;
	size_t got;            /* bytes of the record read */
};

/* Writes all of BUF to FD (a pipe: one write of at most PIPE_BUF bytes is
 * atomic, but a signal may still cut it). */
static void write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t w = write(fd, buf, len);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		buf += w;
		len -= (size_t)w;
	}
}

/* The child's life: the job, its record, _exit (no atexit handler, no
 * stdio buffer of the parent's flushed twice). */
static void child(const struct ns_jobs *j, size_t i, int fd, char *rec)
{
	memset(rec, 0, j->rec_size);
	j->run(i, rec, j->arg);
	write_all(fd, rec, j->rec_size);
	_exit(0);
}

static int start(const struct ns_jobs *j, struct slot *s, size_t i, char *rec)
{
	int p[2];

	if (pipe2(p, O_CLOEXEC) < 0)
		return -1;
	s->child = fork();
	if (s->child < 0) {
		close(p[0]);
		close(p[1]);
		s->child = 0;
		return -1;
	}
	if (s->child == 0) {
		close(p[0]);
		child(j, i, p[1], rec);
	}
	close(p[1]);
	s->fd = p[0];
	s->job = i;
	s->got = 0;
	return 0;
}

/* Slot S's pipe is readable: more of the record, or its end. */
static void collect(const struct ns_jobs *j, struct slot *s, char *rec)
{
	ssize_t r = read(s->fd, rec + s->got, j->rec_size - s->got);
	int status = 0;

	if (r < 0 && errno == EINTR)
		return;
	if (r > 0) {
		s->got += (size_t)r;
		if (s->got < j->rec_size)
			return;
	}
	close(s->fd);
	while (waitpid(s->child, &status, 0) < 0 && errno == EINTR)
		;
	if (s->got == j->rec_size)
		j->done(s->job, rec, j->arg);
	else
		j->died(s->job, status, j->arg);
	s->child = 0;
}

int ns_jobs_run(const struct ns_jobs *j)
{
	unsigned n = j->parallel ? j->parallel : 1;
	struct slot *slots = calloc(n, sizeof(*slots));
	struct pollfd *pf = calloc(n, sizeof(*pf));
	char *recs = malloc(j->rec_size * (size_t)n);
	size_t next = 0, running = 0;
	int rc = 0, e = 0;

	if (!slots || !pf || !recs) {
		free(slots);
		free(pf);
		free(recs);
		errno = ENOMEM;
		return -1;
	}
	while (next < j->n || running) {
		for (unsigned k = 0; k < n && next < j->n; k++) {
			if (slots[k].child)
				continue;
			if (start(j, &slots[k], next, recs + k * j->rec_size) < 0)
				j->died(next, -1, j->arg);
			else
				running++;
			next++;
		}
		for (unsigned k = 0; k < n; k++) {
			pf[k].fd = slots[k].child ? slots[k].fd : -1;
			pf[k].events = POLLIN;
			pf[k].revents = 0;
		}
		if (!running)
			continue;
		if (poll(pf, n, -1) < 0) {
			if (errno == EINTR)
				continue;
			e = errno;
			rc = -1;
			break;
		}
		for (unsigned k = 0; k < n; k++) {
			if (!slots[k].child || !pf[k].revents)
				continue;
			collect(j, &slots[k], recs + k * j->rec_size);
			running -= !slots[k].child;
		}
	}
	/* poll failed: the children started still end, each with its record
	 * or not, and the jobs not started are reported too: every job once. */
	for (unsigned k = 0; rc && k < n; k++) {
		while (slots[k].child)
			collect(j, &slots[k], recs + k * j->rec_size);
	}
	for (; rc && next < j->n; next++)
		j->died(next, -1, j->arg);
	free(slots);
	free(pf);
	free(recs);
	errno = e;
	return rc;
}
