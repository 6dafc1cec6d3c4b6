/* Target for t_hyg_sigalrm_handler: a signal handler that calls the
 * function the patch replaces, compute(), and checks the result (old x + 1
 * or new x + 2, anything else is counted as bad).
 *
 * SIGALRM comes from setitimer(ITIMER_REAL) every 200 us; the main thread
 * blocks it, so the kernel hands it to the two workers, which themselves
 * call compute() without pause: the handler often interrupts them inside
 * compute(). A POSIX timer sends SIGUSR2 (same handler) every 1 ms to the
 * main thread itself, the thread-group leader, which reads commands:
 *   ping    pong
 *   call N  compute(N)
 *   hsee    which answer handlers see from now on: waits for 20 handler
 *           calls that started after the command (5 s at most) and prints
 *           "old", "new", or "mixed old=O new=N bad=B" ("none" if no
 *           handler ran)
 *   stats   "handled=H leader=L bad=B errors=E": handler calls, those run
 *           on the leader, bad results in handlers, bad results in workers
 *   bad     B + E */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "fixture.h"

#ifndef sigev_notify_thread_id
#define sigev_notify_thread_id _sigev_un._tid
#endif

#define SLOTS 64

int compute(int x);

static atomic_ulong handled, on_leader, hbad, errors;
static atomic_uint epoch;
/* Results of handler calls that began in epoch E, in slot E % SLOTS. */
static atomic_ulong seen[SLOTS][3];
static pid_t leader_tid;

static void on_timer(int sig)
{
	static atomic_uint ctr;
	unsigned e = atomic_load(&epoch);
	int in = (int)(atomic_fetch_add(&ctr, 1) & 0xffff);
	int v = compute(in);
	int kind = v == in + 1 ? 0 : v == in + 2 ? 1 : 2;

	(void)sig;
	if (kind == 2)
		atomic_fetch_add(&hbad, 1);
	atomic_fetch_add(&seen[e % SLOTS][kind], 1);
	atomic_fetch_add(&handled, 1);
	if (syscall(SYS_gettid) == leader_tid)
		atomic_fetch_add(&on_leader, 1);
}

static void *worker(void *arg)
{
	unsigned x = (unsigned)(long)arg * 7919u;

	for (;;) {
		int in = (int)(++x & 0xffff);
		int v = compute(in);

		if (v != in + 1 && v != in + 2)
			atomic_fetch_add(&errors, 1);
	}
	return NULL;
}

static void hsee(void)
{
	struct timespec nap = { 0, 1000 * 1000 };
	unsigned e = atomic_load(&epoch) + 1;
	atomic_ulong *s = seen[e % SLOTS];
	unsigned long o, n, b;

	for (int k = 0; k < 3; k++)
		atomic_store(&s[k], 0);
	atomic_store(&epoch, e);
	for (int i = 0; i < 5000; i++) {
		if (atomic_load(&s[0]) + atomic_load(&s[1]) + atomic_load(&s[2]) >= 20)
			break;
		nanosleep(&nap, NULL);
	}
	o = atomic_load(&s[0]);
	n = atomic_load(&s[1]);
	b = atomic_load(&s[2]);
	if (o + n + b == 0)
		printf("none\n");
	else if (n == 0 && b == 0)
		printf("old\n");
	else if (o == 0 && b == 0)
		printf("new\n");
	else
		printf("mixed old=%lu new=%lu bad=%lu\n", o, n, b);
}

static int command(const char *line)
{
	const char *arg;

	if ((arg = FIXTURE_ARG(line, "call ")))
		return printf("%d\n", compute(atoi(arg)));
	if (!strcmp(line, "hsee")) {
		hsee();
		return 1;
	}
	if (!strcmp(line, "stats"))
		return printf("handled=%lu leader=%lu bad=%lu errors=%lu\n",
			      atomic_load(&handled), atomic_load(&on_leader),
			      atomic_load(&hbad), atomic_load(&errors));
	if (!strcmp(line, "bad"))
		return printf("%lu\n", atomic_load(&hbad) + atomic_load(&errors));
	return 0;
}

int main(void)
{
	struct itimerval it = { { 0, 200 }, { 0, 200 } };
	struct itimerspec its = { { 0, 1000 * 1000 }, { 0, 1000 * 1000 } };
	struct sigevent sev;
	struct sigaction sa;
	sigset_t alrm;
	pthread_t t;
	timer_t tm;

	fixture_init();
	leader_tid = (pid_t)syscall(SYS_gettid);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_timer;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, NULL);
	sigaction(SIGUSR2, &sa, NULL);
	if (pthread_create(&t, NULL, worker, (void *)1L) ||
	    pthread_create(&t, NULL, worker, (void *)2L)) {
		printf("cannot start threads\n");
		return 1;
	}
	sigemptyset(&alrm);
	sigaddset(&alrm, SIGALRM);
	pthread_sigmask(SIG_BLOCK, &alrm, NULL);
	memset(&sev, 0, sizeof(sev));
	sev.sigev_notify = SIGEV_THREAD_ID;
	sev.sigev_signo = SIGUSR2;
	sev.sigev_notify_thread_id = leader_tid;
	if (timer_create(CLOCK_MONOTONIC, &sev, &tm) ||
	    timer_settime(tm, 0, &its, NULL) ||
	    setitimer(ITIMER_REAL, &it, NULL)) {
		printf("cannot start the timers\n");
		return 1;
	}
	printf("ready\n");
	return fixture_loop(command);
}
