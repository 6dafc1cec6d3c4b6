/* Target for t_hyg_blocked_syscalls: one thread blocked in each of
 *   accept   accept() on a listening AF_UNIX socket
 *   epoll    epoll_wait(timeout -1) on an eventfd
 *   cond     pthread_cond_wait() (futex)
 *   sem      sem_wait() (futex)
 *   poll     poll(timeout -1) on a pipe
 *   polltmo  poll(timeout 1 h) on another pipe (a restart_syscall restart)
 * Each returns only when "poke" gives it something to do. Argument MODE (one
 * of the names above) makes the main thread — the thread-group leader — the
 * one blocked in that call; commands are read by another thread:
 *   ping     pong
 *   answer   answer(), the function the patch changes
 *   poke     wakes every blocker once and waits (5 s at most) until each
 *            has handled it: "ok", or "timeout KIND..."
 *   stats    "KIND=W/E/S ..." for each blocker: W wake-ups handled, E calls
 *            that failed (EINTR...), S calls that returned with nothing
 *            to do (early, spurious)
 *   errnos   the last errno of each blocker's failed call (0: none) */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "fixture.h"

const char *answer(void);

enum { ACCEPT, EPOLL, COND, SEM, POLL, POLLTMO, NKIND };
static const char *const names[NKIND] = {
	"accept", "epoll", "cond", "sem", "poll", "polltmo"
};
static atomic_ulong woke[NKIND], failed[NKIND], early[NKIND];
static atomic_int lasterr[NKIND];
static unsigned long poked;

static int lsock, efd, epfd, pipe_poll[2], pipe_tmo[2];
static struct sockaddr_un addr;
static socklen_t addrlen;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int cflag;
static sem_t sem;

static void fail_call(int k)
{
	atomic_store(&lasterr[k], errno);
	atomic_fetch_add(&failed[k], 1);
}

static void *run_accept(void *arg)
{
	(void)arg;
	for (;;) {
		int fd = accept(lsock, NULL, NULL);
		if (fd < 0) {
			fail_call(ACCEPT);
			continue;
		}
		close(fd);
		atomic_fetch_add(&woke[ACCEPT], 1);
	}
	return NULL;
}

static void *run_epoll(void *arg)
{
	(void)arg;
	for (;;) {
		struct epoll_event ev;
		uint64_t v;
		int n = epoll_wait(epfd, &ev, 1, -1);

		if (n < 0)
			fail_call(EPOLL);
		else if (n == 0 || read(efd, &v, sizeof(v)) != sizeof(v))
			atomic_fetch_add(&early[EPOLL], 1);
		else
			atomic_fetch_add(&woke[EPOLL], v);
	}
	return NULL;
}

static void *run_cond(void *arg)
{
	(void)arg;
	for (;;) {
		pthread_mutex_lock(&mu);
		while (cflag == 0) {
			int r = pthread_cond_wait(&cv, &mu);
			if (r) {
				errno = r;
				fail_call(COND);
			} else if (cflag == 0) {
				atomic_fetch_add(&early[COND], 1);
			}
		}
		cflag--;
		pthread_mutex_unlock(&mu);
		atomic_fetch_add(&woke[COND], 1);
	}
	return NULL;
}

static void *run_sem(void *arg)
{
	(void)arg;
	for (;;) {
		if (sem_wait(&sem) < 0)
			fail_call(SEM);
		else
			atomic_fetch_add(&woke[SEM], 1);
	}
	return NULL;
}

static void poll_loop(int k, int fd, int timeout)
{
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		char c;
		int n = poll(&p, 1, timeout);

		if (n < 0)
			fail_call(k);
		else if (n == 0 || read(fd, &c, 1) != 1)
			atomic_fetch_add(&early[k], 1);
		else
			atomic_fetch_add(&woke[k], 1);
	}
}

static void *run_poll(void *arg)
{
	(void)arg;
	poll_loop(POLL, pipe_poll[0], -1);
	return NULL;
}

static void *run_polltmo(void *arg)
{
	(void)arg;
	poll_loop(POLLTMO, pipe_tmo[0], 3600 * 1000);
	return NULL;
}

static void *(*const runs[NKIND])(void *) = {
	run_accept, run_epoll, run_cond, run_sem, run_poll, run_polltmo
};

static void poke(void)
{
	struct timespec nap = { 0, 1000 * 1000 };
	uint64_t one = 1;
	char line[256] = "timeout";
	int s, i, ok = 0;

	poked++;
	s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s >= 0 && connect(s, (struct sockaddr *)&addr, addrlen) == 0)
		close(s);
	else
		printf("cannot connect: %s\n", strerror(errno));
	if (write(efd, &one, sizeof(one)) != sizeof(one))
		printf("cannot write the eventfd\n");
	pthread_mutex_lock(&mu);
	cflag++;
	pthread_cond_signal(&cv);
	pthread_mutex_unlock(&mu);
	sem_post(&sem);
	if (write(pipe_poll[1], "x", 1) != 1 || write(pipe_tmo[1], "x", 1) != 1)
		printf("cannot write a pipe\n");
	for (i = 0; i < 5000 && !ok; i++) {
		ok = 1;
		for (int k = 0; k < NKIND; k++)
			if (atomic_load(&woke[k]) < poked)
				ok = 0;
		if (!ok)
			nanosleep(&nap, NULL);
	}
	if (ok) {
		printf("ok\n");
		return;
	}
	for (int k = 0; k < NKIND; k++)
		if (atomic_load(&woke[k]) < poked) {
			strcat(line, " ");
			strcat(line, names[k]);
		}
	printf("%s\n", line);
}

static int command(const char *line)
{
	if (!strcmp(line, "answer"))
		return printf("%s\n", answer());
	if (!strcmp(line, "poke")) {
		poke();
		return 1;
	}
	if (!strcmp(line, "stats") || !strcmp(line, "errnos")) {
		char out[512] = "";

		for (int k = 0; k < NKIND; k++) {
			char one[80];

			if (line[0] == 's')
				snprintf(one, sizeof(one), "%s%s=%lu/%lu/%lu",
					 k ? " " : "", names[k],
					 atomic_load(&woke[k]),
					 atomic_load(&failed[k]),
					 atomic_load(&early[k]));
			else
				snprintf(one, sizeof(one), "%s%s=%d",
					 k ? " " : "", names[k],
					 atomic_load(&lasterr[k]));
			strcat(out, one);
		}
		return printf("%s\n", out);
	}
	return 0;
}

static void *commands(void *arg)
{
	(void)arg;
	fixture_loop(command);
	exit(0);
}

int main(int argc, char **argv)
{
	struct epoll_event ev = { .events = EPOLLIN };
	pthread_t t;
	int mode = -1;

	fixture_init();
	for (int k = 0; k < NKIND; k++)
		if (argc > 1 && !strcmp(argv[1], names[k]))
			mode = k;
	if (mode < 0) {
		printf("usage: prog accept|epoll|cond|sem|poll|polltmo\n");
		return 2;
	}
	/* An abstract socket address: nothing to clean up. */
	addr.sun_family = AF_UNIX;
	snprintf(addr.sun_path + 1, sizeof(addr.sun_path) - 1,
		 "nonstop-hyg-blocked-%d", (int)getpid());
	addrlen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 +
			      strlen(addr.sun_path + 1));
	lsock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	epfd = epoll_create1(EPOLL_CLOEXEC);
	if (lsock < 0 || bind(lsock, (struct sockaddr *)&addr, addrlen) < 0 ||
	    listen(lsock, 16) < 0 || efd < 0 || epfd < 0 ||
	    epoll_ctl(epfd, EPOLL_CTL_ADD, efd, &ev) < 0 ||
	    pipe(pipe_poll) < 0 || pipe(pipe_tmo) < 0 || sem_init(&sem, 0, 0)) {
		printf("setup failed: %s\n", strerror(errno));
		return 1;
	}
	for (int k = 0; k < NKIND; k++)
		if (k != mode && pthread_create(&t, NULL, runs[k], NULL)) {
			printf("cannot start threads\n");
			return 1;
		}
	if (pthread_create(&t, NULL, commands, NULL)) {
		printf("cannot start threads\n");
		return 1;
	}
	printf("ready\n");
	runs[mode](NULL); /* the leader blocks here */
	return 0;
}
