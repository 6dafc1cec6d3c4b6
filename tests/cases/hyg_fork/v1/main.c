/* Target for t_hyg_fork: a process that forks all the time while it is
 * updated. Two forkers — the main thread (the thread-group leader, between
 * commands) and another thread — fork again and again while forking is on;
 * every other child exits at once, the others call compute() 2000 times,
 * checking each result (old x + 1 or new x + 2), and exit 3 if one was
 * neither. The parent reaps each child with waitpid() and records how it
 * ended. A third thread calls compute() without pause.
 *   ping       pong
 *   call N     compute(N)
 *   fork on    starts forking; "ok"
 *   fork off   stops, and answers once both forkers have reaped their last
 *              child: "ok", or "stuck" after 3 s
 *   stats      "forks=F ok=O badexit=B crashed=C lastsig=S forkerr=E
 *              errors=R": children forked, exited 0, exited otherwise,
 *              killed by a signal (the last one S), failed fork() calls,
 *              bad results in the parent's own thread */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fixture.h"

int compute(int x);

static atomic_ulong forks, ok, badexit, crashed, forkerr, errors;
static atomic_int lastsig, forking, busy[2];

static void child(unsigned long n)
{
	unsigned x = (unsigned)n * 7919u;
	int bad = 0;

	if (n % 2 == 0)
		_exit(0);
	for (int i = 0; i < 2000; i++) {
		int in = (int)(++x & 0xffff);
		int v = compute(in);
		if (v != in + 1 && v != in + 2)
			bad = 1;
	}
	_exit(bad ? 3 : 0);
}

static void fork_once(void)
{
	unsigned long n = atomic_fetch_add(&forks, 1);
	pid_t pid = fork();
	int st;

	if (pid == 0)
		child(n);
	if (pid < 0) {
		atomic_fetch_add(&forkerr, 1);
		return;
	}
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR) {
			atomic_fetch_add(&forkerr, 1);
			return;
		}
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0) {
		atomic_fetch_add(&ok, 1);
	} else if (WIFEXITED(st)) {
		atomic_fetch_add(&badexit, 1);
	} else if (WIFSIGNALED(st)) {
		atomic_store(&lastsig, WTERMSIG(st));
		atomic_fetch_add(&crashed, 1);
	} else {
		atomic_fetch_add(&badexit, 1);
	}
}

static void *forker(void *arg)
{
	struct timespec nap = { 0, 1000 * 1000 };

	(void)arg;
	for (;;) {
		if (atomic_load(&forking)) {
			atomic_store(&busy[1], 1);
			fork_once();
		} else {
			atomic_store(&busy[1], 0);
			nanosleep(&nap, NULL);
		}
	}
	return NULL;
}

static void *worker(void *arg)
{
	unsigned x = 1;

	(void)arg;
	for (;;) {
		int in = (int)(++x & 0xffff);
		int v = compute(in);

		if (v != in + 1 && v != in + 2)
			atomic_fetch_add(&errors, 1);
		for (volatile int i = 0; i < 500; i++)
			;
	}
	return NULL;
}

static int command(const char *line)
{
	const char *arg;

	if ((arg = FIXTURE_ARG(line, "call ")))
		return printf("%d\n", compute(atoi(arg)));
	if (!strcmp(line, "fork on")) {
		atomic_store(&busy[1], 1);
		atomic_store(&forking, 1);
		return printf("ok\n");
	}
	if (!strcmp(line, "fork off")) {
		struct timespec nap = { 0, 1000 * 1000 };
		int i;

		atomic_store(&forking, 0);
		/* The main thread's own child is reaped: it is here. */
		for (i = 0; i < 3000 && atomic_load(&busy[1]); i++)
			nanosleep(&nap, NULL);
		return printf("%s\n", atomic_load(&busy[1]) ? "stuck" : "ok");
	}
	if (!strcmp(line, "stats"))
		return printf("forks=%lu ok=%lu badexit=%lu crashed=%lu lastsig=%d "
			      "forkerr=%lu errors=%lu\n", atomic_load(&forks),
			      atomic_load(&ok), atomic_load(&badexit),
			      atomic_load(&crashed), atomic_load(&lastsig),
			      atomic_load(&forkerr), atomic_load(&errors));
	return 0;
}

int main(void)
{
	char buf[4096];
	size_t have = 0;
	pthread_t t;

	fixture_init();
	if (pthread_create(&t, NULL, forker, NULL) ||
	    pthread_create(&t, NULL, worker, NULL)) {
		printf("cannot start threads\n");
		return 1;
	}
	printf("ready\n");
	for (;;) {
		struct pollfd p = { .fd = 0, .events = POLLIN };
		char *start, *nl;
		ssize_t n;

		/* While forking, the leader forks between commands. */
		if (poll(&p, 1, atomic_load(&forking) ? 0 : -1) <= 0) {
			if (atomic_load(&forking))
				fork_once();
			continue;
		}
		n = read(0, buf + have, sizeof(buf) - 1 - have);
		if (n < 0)
			continue;
		if (n == 0)
			break;
		have += (size_t)n;
		buf[have] = '\0';
		start = buf;
		while ((nl = strchr(start, '\n'))) {
			*nl = '\0';
			fixture_answer(start, command);
			start = nl + 1;
		}
		have = strlen(start);
		memmove(buf, start, have);
		if (have == sizeof(buf) - 1)
			have = 0;
	}
	return 0;
}
