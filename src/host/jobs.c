/* jobs.c — the jobs run by at most J->parallel workers, children of
 * nonstop that each take one job after the other (jobs.h).
 *
 * The protocol, per worker: two pipes. The parent writes the index of the
 * next job (a size_t) into the worker's job pipe; the worker runs it and
 * writes its record (rec_size bytes) into its record pipe; when no job is
 * left the parent closes the job pipe and the worker, reading its end,
 * exits. A record pipe that ends before a whole record came is a worker
 * that died in its job (its deadline, a crash): the job is reported by
 * DIED and, if jobs are left, a new worker takes the slot.
 *
 * Workers that live through many jobs, not a child per job: a fork and an
 * exit per process were a tenth of a host-wide apply's CPU time, and what
 * a worker learns (the modules' places of the gadgets, proc/gadgets.h)
 * stays learnt.
 *
 * Each job has its worker's own deadline (util/guard.h: an alarm); the
 * parent also stops, by killing its worker, a job that outlives
 * J->deadline_s, for the waits an alarm does not end. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "host/jobs.h"
#include "util/clock.h"

struct slot {
	pid_t  worker;         /* 0: none */
	int    job_fd;         /* write end of its job pipe */
	int    rec_fd;         /* read end of its record pipe */
	bool   busy;
	size_t job;            /* the job it runs (busy) */
	uint64_t since_ns;     /* when it was given */
	size_t got;            /* bytes of its record read */
};

/* Writes all of BUF to FD; -1 if it cannot. */
static int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t w = write(fd, p, len);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

/* Reads exactly LEN bytes; 0, or -1 at the end of the pipe or an error. */
static int read_all(int fd, void *buf, size_t len)
{
	char *p = buf;

	while (len) {
		ssize_t r = read(fd, p, len);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		p += r;
		len -= (size_t)r;
	}
	return 0;
}

/* The worker's life: jobs until the job pipe ends, then _exit (no atexit
 * handler, no stdio buffer of the parent's flushed twice). */
static void worker(const struct ns_jobs *j, int job_fd, int rec_fd)
{
	char *rec = malloc(j->rec_size);
	size_t i;

	if (!rec)
		_exit(1);
	while (read_all(job_fd, &i, sizeof(i)) == 0 && i < j->n) {
		memset(rec, 0, j->rec_size);
		j->run(i, rec, j->arg);
		if (write_all(rec_fd, rec, j->rec_size) < 0)
			_exit(1);
	}
	_exit(0);
}

/* Waits for worker PID to end: STATUS. A killed worker that is stuck in
 * a wait the kernel does not interrupt (a FUSE read) is given a second
 * and then left (a zombie that init reaps after nonstop): -1. */
static int reap(pid_t pid, int *status, bool killed)
{
	for (int i = 0; i < 1000; i++) {
		pid_t r = waitpid(pid, status, killed ? WNOHANG : 0);

		if (r == pid)
			return 0;
		if (r < 0 && errno != EINTR)
			return -1;
		if (r == 0) {
			struct timespec ms = { 0, 1000000 };

			nanosleep(&ms, NULL);
		}
	}
	return -1;
}

/* Ends S's worker (KILLED: it was sent SIGKILL) and frees the slot; the
 * worker's wait status. */
static int close_slot(struct slot *s, bool killed)
{
	int status = 0;

	if (s->job_fd >= 0)
		close(s->job_fd);
	if (s->rec_fd >= 0)
		close(s->rec_fd);
	reap(s->worker, &status, killed);
	s->worker = 0;
	s->job_fd = s->rec_fd = -1;
	s->busy = false;
	return status;
}

/* Starts a worker in S. SLOTS (N of them): the other workers' pipes,
 * which the new one must not hold (a worker that held another's job
 * pipe would keep it from ever seeing its end). */
static int start(const struct ns_jobs *j, struct slot *s, struct slot *slots,
		 unsigned n)
{
	int jp[2], rp[2];

	if (pipe2(jp, O_CLOEXEC) < 0)
		return -1;
	if (pipe2(rp, O_CLOEXEC) < 0) {
		close(jp[0]);
		close(jp[1]);
		return -1;
	}
	s->worker = fork();
	if (s->worker == 0) {
		for (unsigned k = 0; k < n; k++) {
			if (slots[k].worker && &slots[k] != s) {
				close(slots[k].job_fd);
				close(slots[k].rec_fd);
			}
		}
		close(jp[1]);
		close(rp[0]);
		worker(j, jp[0], rp[1]);
	}
	close(jp[0]);
	close(rp[1]);
	if (s->worker < 0) {
		close(jp[1]);
		close(rp[0]);
		s->worker = 0;
		return -1;
	}
	s->job_fd = jp[1];
	s->rec_fd = rp[0];
	s->busy = false;
	return 0;
}

/* Gives S job I. 0, or -1 if its worker is gone (then reported). */
static int give(const struct ns_jobs *j, struct slot *s, size_t i)
{
	s->busy = true;
	s->job = i;
	s->got = 0;
	s->since_ns = ns_clock_ns();
	if (write_all(s->job_fd, &i, sizeof(i)) == 0)
		return 0;
	close_slot(s, false);
	j->died(i, -1, j->arg);
	return -1;
}

/* S's record pipe is readable: more of the record, or the worker's end
 * (DIED). */
static void collect(const struct ns_jobs *j, struct slot *s, char *rec)
{
	ssize_t r = read(s->rec_fd, rec + s->got, j->rec_size - s->got);
	int status;
	bool busy;

	if (r < 0 && errno == EINTR)
		return;
	if (r > 0) {
		s->got += (size_t)r;
		if (s->got == j->rec_size) {
			s->busy = false;
			j->done(s->job, rec, j->arg);
		}
		return;
	}
	/* The end of the pipe in the middle of a job: the worker died. */
	busy = s->busy;
	status = close_slot(s, false);
	if (busy)
		j->died(s->job, status, j->arg);
}

/* Kills the worker of a job that outlived J->deadline_s and reports it
 * (NS_JOB_LATE); the slot takes the next job with a new worker. Returns
 * the milliseconds poll may wait before the next job is late (-1: no
 * limit). */
static int stop_late(const struct ns_jobs *j, struct slot *slots, unsigned n)
{
	uint64_t now = ns_clock_ns(), limit = (uint64_t)j->deadline_s * 1000000000ULL;
	int wait_ms = -1;

	for (unsigned k = 0; j->deadline_s && k < n; k++) {
		struct slot *s = &slots[k];
		uint64_t left;

		if (!s->busy)
			continue;
		if (now - s->since_ns >= limit) {
			kill(s->worker, SIGKILL);
			close_slot(s, true);
			j->died(s->job, NS_JOB_LATE, j->arg);
			continue;
		}
		left = (limit - (now - s->since_ns)) / 1000000 + 1;
		if (wait_ms < 0 || left < (uint64_t)wait_ms)
			wait_ms = left > 60000 ? 60000 : (int)left;
	}
	return wait_ms;
}

/* The most workers the descriptor limit allows (two pipes' ends each, and
 * room for the command's own). */
static unsigned fd_cap(unsigned want)
{
	struct rlimit rl;
	rlim_t room;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur == RLIM_INFINITY)
		return want;
	room = rl.rlim_cur > 64 ? (rl.rlim_cur - 64) / 2 : 1;
	return room < want ? (unsigned)(room ? room : 1) : want;
}

/* Gives every idle slot the next job, starting workers as needed; the
 * jobs that cannot be started are reported as DIED. */
static void dispatch(const struct ns_jobs *j, struct slot *slots, unsigned n,
		     size_t *next)
{
	for (unsigned k = 0; k < n && *next < j->n; k++) {
		struct slot *s = &slots[k];

		if (s->busy)
			continue;
		if (!s->worker && start(j, s, slots, n) < 0) {
			j->died((*next)++, -1, j->arg);
			continue;
		}
		give(j, s, (*next)++);
	}
}

int ns_jobs_run(const struct ns_jobs *j)
{
	unsigned n = j->parallel ? j->parallel : 1;
	struct slot *slots;
	struct pollfd *pf;
	char *recs;
	size_t next = 0;
	int rc = 0, e = 0;

	if (n > j->n)
		n = j->n ? (unsigned)j->n : 1;
	n = fd_cap(n);
	/* A worker that dies while idle must not kill the parent with
	 * SIGPIPE when it is given its next job: the write fails instead. */
	signal(SIGPIPE, SIG_IGN);
	slots = calloc(n, sizeof(*slots));
	pf = calloc(n, sizeof(*pf));
	recs = malloc(j->rec_size * (size_t)n);
	if (!slots || !pf || !recs) {
		free(slots);
		free(pf);
		free(recs);
		errno = ENOMEM;
		return -1;
	}
	for (unsigned k = 0; k < n; k++)
		slots[k].job_fd = slots[k].rec_fd = -1;
	for (;;) {
		unsigned busy = 0;
		int wait_ms;

		dispatch(j, slots, n, &next);
		wait_ms = stop_late(j, slots, n);
		for (unsigned k = 0; k < n; k++) {
			pf[k].fd = slots[k].busy ? slots[k].rec_fd : -1;
			pf[k].events = POLLIN;
			pf[k].revents = 0;
			busy += slots[k].busy;
		}
		if (!busy) {
			if (next >= j->n)
				break;
			continue;   /* a worker could not start: the next round */
		}
		if (poll(pf, n, wait_ms) < 0) {
			if (errno == EINTR)
				continue;
			e = errno;
			rc = -1;
			break;
		}
		for (unsigned k = 0; k < n; k++)
			if (slots[k].busy && pf[k].revents)
				collect(j, &slots[k], recs + k * j->rec_size);
	}
	/* The workers end as their job pipes do; after a failed poll, the
	 * jobs they were running and those never given are reported. */
	for (unsigned k = 0; k < n; k++) {
		if (!slots[k].worker)
			continue;
		if (slots[k].busy)
			j->died(slots[k].job, -1, j->arg);
		close_slot(&slots[k], false);
	}
	for (; rc && next < j->n; next++)
		j->died(next, -1, j->arg);
	free(slots);
	free(pf);
	free(recs);
	errno = e;
	return rc;
}
