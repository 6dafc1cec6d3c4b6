/* Target for t_hyg_signals: signals sent to it while nonstop works on it.
 *
 * SIGUSR1, SIGRTMIN+1 and SIGRTMIN+2 are blocked in every thread (set before
 * the threads start) until "unblock"; SIGRTMIN is handled, and counted, by
 * every thread. Two workers call compute() without pause; the main thread
 * (the thread-group leader) reads commands:
 *   ping        pong
 *   call N      compute(N)
 *   pend        queues SIGUSR1 once and SIGRTMIN+1 three times to the
 *               process, and SIGRTMIN+2 twice to the leader thread: all
 *               blocked, so they stay pending; "ok"
 *   pending     which of them are pending for the leader (sigpending):
 *               "usr1=B rt1=B rt2=B", B 0 or 1
 *   unblock     unblocks them in the leader (their handlers run at once)
 *               and prints how many of each were delivered "usr1=N rt1=N rt2=N"
 *   storm on    a thread starts queuing SIGRTMIN as fast as it can, in turn
 *               to the process, to the leader and to a worker (a send the
 *               kernel refuses, EAGAIN when the queue is full, is not
 *               counted); "ok"
 *   storm off   stops it (when it answers "ok", no more are sent)
 *   rt          "sent=P,L,W recv=P,L,W": SIGRTMIN sent and handled, for the
 *               process, the leader and the worker (si_value says which)
 *   errors      compute() results neither old (x + 1) nor new (x + 2) */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <time.h>
#include <unistd.h>

#include "fixture.h"

int compute(int x);

static atomic_ulong errors, usr1, rt1, rt2;
static atomic_ulong sent[3], recvd[3];
static atomic_int storm_on, storm_idle = 1;
static pthread_t leader, worker1;
static sigset_t blocked;   /* SIGUSR1, SIGRTMIN+1, SIGRTMIN+2 */

static void on_rt(int sig, siginfo_t *si, void *uc)
{
	int k = si->si_value.sival_int;

	(void)sig;
	(void)uc;
	if (k >= 0 && k < 3)
		atomic_fetch_add(&recvd[k], 1);
}

static void on_blocked(int sig)
{
	if (sig == SIGUSR1)
		atomic_fetch_add(&usr1, 1);
	else if (sig == SIGRTMIN + 1)
		atomic_fetch_add(&rt1, 1);
	else if (sig == SIGRTMIN + 2)
		atomic_fetch_add(&rt2, 1);
}

static void *worker(void *arg)
{
	unsigned x = (unsigned)(long)arg * 7919u;

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

static void *storm(void *arg)
{
	struct timespec nap = { 0, 100 * 1000 };
	unsigned long n = 0;

	(void)arg;
	for (;;) {
		union sigval v;
		int k, r;

		if (!atomic_load(&storm_on)) {
			atomic_store(&storm_idle, 1);
			nanosleep(&nap, NULL);
			continue;
		}
		atomic_store(&storm_idle, 0);
		k = (int)(n++ % 3);
		v.sival_int = k;
		if (k == 0)
			r = sigqueue(getpid(), SIGRTMIN, v) ? errno : 0;
		else
			r = pthread_sigqueue(k == 1 ? leader : worker1, SIGRTMIN, v);
		if (r == 0)
			atomic_fetch_add(&sent[k], 1);
		else
			sched_yield(); /* EAGAIN: the queue is full */
	}
	return NULL;
}

static int command(const char *line)
{
	const char *arg;

	if ((arg = FIXTURE_ARG(line, "call ")))
		return printf("%d\n", compute(atoi(arg)));
	if (!strcmp(line, "errors"))
		return printf("%lu\n", atomic_load(&errors));
	if (!strcmp(line, "pend")) {
		union sigval v = { .sival_int = 0 };
		int bad = kill(getpid(), SIGUSR1);

		for (int i = 0; i < 3; i++)
			bad |= sigqueue(getpid(), SIGRTMIN + 1, v);
		for (int i = 0; i < 2; i++)
			bad |= pthread_sigqueue(leader, SIGRTMIN + 2, v);
		return printf("%s\n", bad ? "cannot send" : "ok");
	}
	if (!strcmp(line, "pending")) {
		sigset_t p;

		sigpending(&p);
		return printf("usr1=%d rt1=%d rt2=%d\n", sigismember(&p, SIGUSR1),
			      sigismember(&p, SIGRTMIN + 1),
			      sigismember(&p, SIGRTMIN + 2));
	}
	if (!strcmp(line, "unblock")) {
		pthread_sigmask(SIG_UNBLOCK, &blocked, NULL);
		return printf("usr1=%lu rt1=%lu rt2=%lu\n", atomic_load(&usr1),
			      atomic_load(&rt1), atomic_load(&rt2));
	}
	if (!strcmp(line, "storm on")) {
		atomic_store(&storm_on, 1);
		return printf("ok\n");
	}
	if (!strcmp(line, "storm off")) {
		struct timespec nap = { 0, 1000 * 1000 };

		atomic_store(&storm_on, 0);
		atomic_store(&storm_idle, 0);
		while (!atomic_load(&storm_idle))
			nanosleep(&nap, NULL);
		return printf("ok\n");
	}
	if (!strcmp(line, "rt"))
		return printf("sent=%lu,%lu,%lu recv=%lu,%lu,%lu\n",
			      atomic_load(&sent[0]), atomic_load(&sent[1]),
			      atomic_load(&sent[2]), atomic_load(&recvd[0]),
			      atomic_load(&recvd[1]), atomic_load(&recvd[2]));
	return 0;
}

int main(void)
{
	struct sigaction sa;
	pthread_t t;

	fixture_init();
	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART | SA_SIGINFO;
	sa.sa_sigaction = on_rt;
	sigaction(SIGRTMIN, &sa, NULL);
	sa.sa_flags = SA_RESTART;
	sa.sa_handler = on_blocked;
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGRTMIN + 1, &sa, NULL);
	sigaction(SIGRTMIN + 2, &sa, NULL);
	sigemptyset(&blocked);
	sigaddset(&blocked, SIGUSR1);
	sigaddset(&blocked, SIGRTMIN + 1);
	sigaddset(&blocked, SIGRTMIN + 2);
	pthread_sigmask(SIG_BLOCK, &blocked, NULL);
	leader = pthread_self();
	if (pthread_create(&worker1, NULL, worker, (void *)1L) ||
	    pthread_create(&t, NULL, worker, (void *)2L) ||
	    pthread_create(&t, NULL, storm, NULL)) {
		printf("cannot start threads\n");
		return 1;
	}
	printf("ready\n");
	return fixture_loop(command);
}
