/* waits.c — NONSTOP_UPDATE_POINTS=waits: the calls where event loops wait
 * are update points.
 *
 * libnonstop defines poll, ppoll, select, pselect, epoll_wait, epoll_pwait
 * and epoll_pwait2 (and __poll_chk, __ppoll_chk, which a program built
 * with _FORTIFY_SOURCE calls for poll and ppoll), so that every call the
 * dynamic linker binds to them — the program's, libevent's, libuv's,
 * glib's — comes here first, whether libnonstop is preloaded, linked as
 * libnonstop.so, or linked into the program from libnonstop.a. Each
 * forwards to the C library's definition, found once with
 * dlvsym(RTLD_NEXT): on x86-64 each of these has exactly one version in
 * glibc, named below, the one whose prototype the wrapper has (dlsym, the
 * default version, if that one is missing; ENOSYS if none, as for
 * epoll_pwait2 before glibc 2.35). The definitions are weak: a program
 * that defines one of these itself, and links libnonstop.a, keeps its own.
 *
 * The environment variable is read once, when libnonstop starts
 * (runtime.c). Unless it is "waits", a wrapper only forwards: two
 * predictable tests (found, mode) and a tail call. In waits mode a wrapper passes an
 * update point, marks the thread's slot "waiting in CALL" (update_point.c:
 * ns_rt_wait_begin), makes the call, clears the mark and passes an update
 * point again (ns_rt_wait_end) before it returns: when nothing is pending,
 * two update points' loads and compares, a thread-local counter up and
 * down, and two stores into the thread's own slot (a cache line of its
 * own); no lock, no fence, no system call. A thread marked waiting is at an
 * update point: whatever it runs after the call first passes the one on
 * the way out, so the tool counts it as switched without waking it.
 *
 * The wrapper returns what the call returned, with its errno (the update
 * point on the way out keeps errno). The call is still a cancellation
 * point: this file is built with -fexceptions, so a thread cancelled in
 * the call unwinds through the wrapper's cleanup, which clears the mark
 * and passes the update point before the program's cleanup handlers run.
 * A signal that interrupts the call is handled as before (the handler
 * runs inside the call, the call restarts or fails with EINTR as the
 * program asked); a handler that waits in turn makes no update point
 * (ns_rt_wait_begin: nested). */
#undef _FORTIFY_SOURCE          /* poll is an inline wrapper with it */
#include <dlfcn.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <time.h>

#include "nonstop_rt.h"
#include "rt_internal.h"

#if !defined(__x86_64__)
#error "the glibc versions below are x86-64's"
#endif

int ns_rt_waits;

/* The fortified variants (<bits/poll2.h>, declared only with
 * _FORTIFY_SOURCE). */
int __poll_chk(struct pollfd *fds, nfds_t nfds, int timeout, size_t fdslen);
int __ppoll_chk(struct pollfd *fds, nfds_t nfds, const struct timespec *timeout,
		const sigset_t *ss, size_t fdslen);

enum {
	F_POLL, F_PPOLL, F_SELECT, F_PSELECT, F_EPOLL_WAIT, F_EPOLL_PWAIT,
	F_EPOLL_PWAIT2, F_POLL_CHK, F_PPOLL_CHK, NFUNCS
};

static const struct {
	const char *name, *version;
} fn_names[NFUNCS] = {
	[F_POLL]         = { "poll", "GLIBC_2.2.5" },
	[F_PPOLL]        = { "ppoll", "GLIBC_2.4" },
	[F_SELECT]       = { "select", "GLIBC_2.2.5" },
	[F_PSELECT]      = { "pselect", "GLIBC_2.2.5" },
	[F_EPOLL_WAIT]   = { "epoll_wait", "GLIBC_2.3.2" },
	[F_EPOLL_PWAIT]  = { "epoll_pwait", "GLIBC_2.6" },
	[F_EPOLL_PWAIT2] = { "epoll_pwait2", "GLIBC_2.35" },
	[F_POLL_CHK]     = { "__poll_chk", "GLIBC_2.16" },
	[F_PPOLL_CHK]    = { "__ppoll_chk", "GLIBC_2.16" },
};

/* The next definition of each, once found. */
static void *real[NFUNCS];

static void *resolve(int f)
{
	void *p = dlvsym(RTLD_NEXT, fn_names[f].name, fn_names[f].version);

	if (!p)
		p = dlsym(RTLD_NEXT, fn_names[f].name);
	if (p)
		__atomic_store_n(&real[f], p, __ATOMIC_RELAXED);
	return p;
}

void ns_rt_waits_init(int on)
{
	for (int f = 0; f < NFUNCS; f++)
		resolve(f);
	ns_rt_waits = on;
}

/* Around the call in waits mode: the mark, and its removal however the
 * call ends (returning, or unwound by a cancellation). */
static void wait_end(const char *unused)
{
	(void)unused;
	ns_rt_wait_end();
}

#define WAIT(kind) \
	char w_ __attribute__((cleanup(wait_end), unused)) = \
		(ns_rt_wait_begin(kind), 0)

#define UNPAREN(...) __VA_ARGS__

/* One wrapper: int NAME PARAMS, forwarding ARGS to the next definition
 * F. The common case, inline, is a tail call without a frame; out of
 * line, the definition found by a call made before libnonstop started
 * (another library's constructor), and waits mode's update point around
 * the call. */
#define WRAP(f, kind, name, params, args)                                     \
	static __attribute__((noinline))                                      \
	int name##_slow(int (*fn) params, UNPAREN params)                     \
	{                                                                     \
		if (!fn && !(fn = (int (*) params)resolve(f))) {              \
			errno = ENOSYS;                                       \
			return -1;                                            \
		}                                                             \
		if (!__atomic_load_n(&ns_rt_waits, __ATOMIC_RELAXED))         \
			return fn args;                                       \
		WAIT(kind);                                                   \
		return fn args;                                               \
	}                                                                     \
	__attribute__((weak, visibility("default")))                          \
	int name params                                                       \
	{                                                                     \
		int (*fn) params = (int (*) params)                           \
			__atomic_load_n(&real[f], __ATOMIC_RELAXED);          \
		if (__builtin_expect(fn && !__atomic_load_n(&ns_rt_waits,     \
				     __ATOMIC_RELAXED), 1))                   \
			return fn args;                                       \
		return name##_slow(fn, UNPAREN args);                         \
	}

WRAP(F_POLL, NS_RT_WAIT_POLL, poll,
     (struct pollfd *fds, nfds_t nfds, int timeout),
     (fds, nfds, timeout))
WRAP(F_PPOLL, NS_RT_WAIT_PPOLL, ppoll,
     (struct pollfd *fds, nfds_t nfds, const struct timespec *timeout,
      const sigset_t *ss),
     (fds, nfds, timeout, ss))
WRAP(F_SELECT, NS_RT_WAIT_SELECT, select,
     (int nfds, fd_set *rd, fd_set *wr, fd_set *ex, struct timeval *timeout),
     (nfds, rd, wr, ex, timeout))
WRAP(F_PSELECT, NS_RT_WAIT_PSELECT, pselect,
     (int nfds, fd_set *rd, fd_set *wr, fd_set *ex,
      const struct timespec *timeout, const sigset_t *ss),
     (nfds, rd, wr, ex, timeout, ss))
WRAP(F_EPOLL_WAIT, NS_RT_WAIT_EPOLL_WAIT, epoll_wait,
     (int epfd, struct epoll_event *events, int maxevents, int timeout),
     (epfd, events, maxevents, timeout))
WRAP(F_EPOLL_PWAIT, NS_RT_WAIT_EPOLL_PWAIT, epoll_pwait,
     (int epfd, struct epoll_event *events, int maxevents, int timeout,
      const sigset_t *ss),
     (epfd, events, maxevents, timeout, ss))
WRAP(F_EPOLL_PWAIT2, NS_RT_WAIT_EPOLL_PWAIT2, epoll_pwait2,
     (int epfd, struct epoll_event *events, int maxevents,
      const struct timespec *timeout, const sigset_t *ss),
     (epfd, events, maxevents, timeout, ss))
WRAP(F_POLL_CHK, NS_RT_WAIT_POLL, __poll_chk,
     (struct pollfd *fds, nfds_t nfds, int timeout, size_t fdslen),
     (fds, nfds, timeout, fdslen))
WRAP(F_PPOLL_CHK, NS_RT_WAIT_PPOLL, __ppoll_chk,
     (struct pollfd *fds, nfds_t nfds, const struct timespec *timeout,
      const sigset_t *ss, size_t fdslen),
     (fds, nfds, timeout, ss, fdslen))
