/* Target of t_pt_waits: the per-thread mode with
 * NONSTOP_UPDATE_POINTS=waits. It runs with libnonstop preloaded
 * (LD_PRELOAD) or linked from libnonstop.a, and never calls
 * nonstop_update_point(): its threads pass update points only in their
 * waits, and only when the variable is in its environment.
 *
 *   loop     waits 1 ms in poll() (__poll_chk: built with _FORTIFY_SOURCE,
 *            on an array whose length the compiler does not know), then
 *            calls ver_a() and ver_b(), again and again: between two of
 *            its waits it must see one version of both
 *   waiter   blocks in epoll_wait() without a timeout; "wake" makes the
 *            call return, and it calls ver_a() once before it blocks again
 *   sleeper  blocks in select() without a timeout, for good
 *   main     reads the commands (fixture_poll_loop: poll, 10 ms at most)
 *
 * Commands:
 *   v       loop=old|new|both: the version of the last pair the loop saw
 *   wake    waiter=old|new: what the waiter saw once its call returned
 *   mixed   pairs of mixed versions the loop saw (0, or the test fails)
 *   errno   "ok", or the first wrapped call that did not return what the
 *           C library does (the value, and errno: set on failure, left
 *           alone on success)
 *   cancel  "canceled=C marked=M cleared=K": a thread blocked in poll() is
 *           cancelled; C is 1 if it ended cancelled, M 1 if its slot said
 *           it waited in poll before, K 1 if its cleanup handler found
 *           that mark cleared ("no runtime" without libnonstop's control
 *           block among the dynamic symbols)
 * Built with -I lib of the nonstop tree (nonstop_rt.h, to read slots). */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "fixture.h"
#include "nonstop_rt.h"

int ver_a(int x);
int ver_b(int x);

static atomic_ulong mixed, iters, woken;
static atomic_int loop_seen, waiter_seen;
static int wake_pipe[2], ready_pipe[2], never_pipe[2];
static volatile nfds_t one = 1;   /* not a constant to the compiler */
static struct pollfd *volatile bad = (struct pollfd *)16;  /* EFAULT */

static void *loop(void *arg)
{
	(void)arg;
	prctl(PR_SET_NAME, "loop", 0, 0, 0);
	for (unsigned x = 0;; x = (x + 1) & 0xffff) {
		struct pollfd p[4] = { { .fd = never_pipe[0], .events = POLLIN } };

		poll(p, one, 1);
		int a = ver_a((int)x);
		for (volatile int i = 0; i < 200; i++)
			;
		int b = ver_b((int)x);
		int va = a - (int)x, vb = (b - (int)x) / 10;
		if (va != vb)
			atomic_fetch_add(&mixed, 1);
		atomic_store(&loop_seen, va);
		atomic_fetch_add(&iters, 1);
	}
	return NULL;
}

static void *waiter(void *arg)
{
	int ep = epoll_create1(0);
	struct epoll_event ev = { .events = EPOLLIN };
	char c;

	(void)arg;
	prctl(PR_SET_NAME, "waiter", 0, 0, 0);
	epoll_ctl(ep, EPOLL_CTL_ADD, wake_pipe[0], &ev);
	for (;;) {
		if (epoll_wait(ep, &ev, 1, -1) != 1 ||
		    read(wake_pipe[0], &c, 1) != 1)
			continue;
		atomic_store(&waiter_seen, ver_a(0));
		atomic_fetch_add(&woken, 1);
	}
	return NULL;
}

static void *sleeper(void *arg)
{
	(void)arg;
	prctl(PR_SET_NAME, "sleeper", 0, 0, 0);
	for (;;)
		select(0, NULL, NULL, NULL, NULL);
	return NULL;
}

static const char *version_name(int v)
{
	return v == 1 ? "old" : v == 2 ? "new" : "?";
}

static int wake(void)
{
	unsigned long before = atomic_load(&woken);

	if (write(wake_pipe[1], "w", 1) != 1)
		return printf("cannot write\n");
	for (int i = 0; i < 2000 && atomic_load(&woken) == before; i++)
		usleep(1000);
	if (atomic_load(&woken) == before)
		return printf("waiter did not wake\n");
	return printf("waiter=%s\n", version_name(atomic_load(&waiter_seen)));
}

/* ---- errno ----------------------------------------------------------- */

#define CHECK(call, want_rc, want_errno)                                      \
	do {                                                                  \
		errno = 4242;                                                 \
		int rc_ = (call);                                             \
		int e_ = errno;                                               \
		if (rc_ != (want_rc) || e_ != (want_errno))                   \
			return printf("%s = %d, errno %d (expected %d, "      \
				      "errno %d)\n", #call, rc_, e_,          \
				      (want_rc), (want_errno));               \
	} while (0)

static int check_errno(void)
{
	struct pollfd ready = { .fd = ready_pipe[0], .events = POLLIN };
	struct timespec ts0 = { 0, 0 };
	struct timeval tv0 = { 0, 0 };
	struct epoll_event ev;
	fd_set rd;

	CHECK(poll(&ready, 1, 0), 1, 4242);
	CHECK(poll(NULL, 0, 1), 0, 4242);
	CHECK(poll(bad, 1, 0), -1, EFAULT);
	CHECK(ppoll(&ready, 1, &ts0, NULL), 1, 4242);
	CHECK(ppoll(bad, 1, &ts0, NULL), -1, EFAULT);
	FD_ZERO(&rd);
	FD_SET(ready_pipe[0], &rd);
	CHECK(select(ready_pipe[0] + 1, &rd, NULL, NULL, &tv0), 1, 4242);
	CHECK(select(-1, NULL, NULL, NULL, &tv0), -1, EINVAL);
	CHECK(pselect(-1, NULL, NULL, NULL, &ts0, NULL), -1, EINVAL);
	CHECK(epoll_wait(-1, &ev, 1, 0), -1, EBADF);
	CHECK(epoll_pwait(-1, &ev, 1, 0, NULL), -1, EBADF);
	CHECK(epoll_pwait2(-1, &ev, 1, &ts0, NULL), -1, EBADF);
	return printf("ok\n");
}

/* ---- cancel ------------------------------------------------------------ */

static const struct ns_rt *runtime(void)
{
	return dlsym(RTLD_DEFAULT, "nonstop__rt");
}

/* The wait word of thread TID's slot in libnonstop's registry; ~0 if it
 * has none. */
static uint64_t wait_word(pid_t tid)
{
	const struct ns_rt *rt = runtime();

	for (const struct ns_rt_chunk *c = rt ? (const void *)(uintptr_t)rt->chunks
					      : NULL;
	     c; c = (const void *)(uintptr_t)c->next)
		for (int i = 0; i < NS_RT_SLOTS; i++)
			if (c->slot[i].tid == (uint32_t)tid)
				return __atomic_load_n(&c->slot[i].wait,
						       __ATOMIC_RELAXED);
	return ~0ULL;
}

static atomic_int cancel_tid;
static _Atomic uint64_t cleanup_word;

static void cancel_cleanup(void *arg)
{
	(void)arg;
	atomic_store(&cleanup_word, wait_word((pid_t)syscall(SYS_gettid)));
}

static void *cancel_thread(void *arg)
{
	struct pollfd p = { .fd = never_pipe[0], .events = POLLIN };

	(void)arg;
	pthread_cleanup_push(cancel_cleanup, NULL);
	atomic_store(&cancel_tid, (int)syscall(SYS_gettid));
	poll(&p, 1, -1);
	pthread_cleanup_pop(0);
	return NULL;
}

static int cancel(void)
{
	uint64_t before = 0;
	pthread_t t;
	void *ret = NULL;

	if (!runtime())
		return printf("no runtime\n");
	atomic_store(&cancel_tid, 0);
	atomic_store(&cleanup_word, ~0ULL);
	if (pthread_create(&t, NULL, cancel_thread, NULL))
		return printf("cannot create a thread\n");
	for (int i = 0; i < 2000; i++) {
		int tid = atomic_load(&cancel_tid);
		before = tid ? wait_word(tid) : 0;
		if (NS_RT_WAIT_KIND(before) == NS_RT_WAIT_POLL)
			break;
		usleep(1000);
	}
	usleep(20000);   /* asleep in the call by now */
	pthread_cancel(t);
	pthread_join(t, &ret);
	return printf("canceled=%d marked=%d cleared=%d\n", ret == PTHREAD_CANCELED,
		      NS_RT_WAIT_KIND(before) == NS_RT_WAIT_POLL,
		      atomic_load(&cleanup_word) == 0);
}

static int command(const char *line)
{
	if (!strcmp(line, "v"))
		return printf("loop=%s\n", version_name(atomic_load(&loop_seen)));
	if (!strcmp(line, "wake"))
		return wake();
	if (!strcmp(line, "mixed"))
		return printf("%lu\n", atomic_load(&mixed));
	if (!strcmp(line, "errno"))
		return check_errno();
	if (!strcmp(line, "cancel"))
		return cancel();
	return 0;
}

int main(void)
{
	pthread_t t;

	fixture_init();
	if (pipe(wake_pipe) || pipe(ready_pipe) || pipe(never_pipe) ||
	    write(ready_pipe[1], "r", 1) != 1)
		return 1;
	pthread_create(&t, NULL, loop, NULL);
	pthread_create(&t, NULL, waiter, NULL);
	pthread_create(&t, NULL, sleeper, NULL);
	while (atomic_load(&iters) < 100)
		usleep(1000);
	printf("ready\n");
	return fixture_poll_loop(command, NULL);
}
