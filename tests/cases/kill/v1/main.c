/* Target for the tests that kill nonstop (or make it fail) at every step.
 * The main thread computes without pause, keeping floating-point and AVX
 * state live in registers and checking it: it is the thread nonstop
 * borrows for its system calls, so a thread restored from a signal frame
 * with a wrong register would count here (or crash). Three workers call
 * a() and b() and check each result is a value of some version (a: v1 x+1,
 * v2 x+2, v3 x+3; b: x+10 or x+20); one sleeps in nanosleep and checks it
 * never wakes early (nonstop borrows a thread blocked in a system call,
 * such as this one, for its function calls into libgcc, when it may: see
 * bt below). Commands on stdin (served by their own thread):
 *   v     "a=old b=old", "a=new b=new", or another combination (the
 *         tests that expect one or the other count it a failure; t_replace
 *         expects "a=v3 b=old" too)
 *   bad   count of wrong results, wrong registers and early wake-ups
 *   why   the three counts apart
 *   bt    the depth of a backtrace() taken here: libgcc's unwinder then
 *         walks its registered frames (a patch's, while applied; none left
 *         dangling after a revert, or it would crash)
 *   ping  pong
 * It calls backtrace() at start, which loads libgcc_s: every apply then
 * registers the patch's frames with it (a function call in a borrowed
 * thread) and every revert deregisters them, steps that are killed too. */
#include <execinfo.h>
#include <pthread.h>
#include <stdatomic.h>
#include <time.h>
#include <unistd.h>

#include "fixture.h"

int a(int x);
int b(int x);

typedef double v4d __attribute__((vector_size(32)));

static atomic_ulong bad_result, bad_fp, bad_sleep;
static volatile double step = 0.25;

/* Sums in a 256-bit register: lost upper halves of ymm (an FPU state
 * restored as SSE only) would show as lanes 2 and 3 off. */
__attribute__((target("avx"), noinline)) static int fp_ok(void)
{
	v4d acc = { 0, 0, 0, 0 }, s = { step, step * 2, step * 3, step * 4 };

	for (int i = 0; i < 20000; i++)
		acc += s;
	return acc[0] == 5000.0 && acc[1] == 10000.0 && acc[2] == 15000.0 &&
	       acc[3] == 20000.0;
}

static void *caller(void *arg)
{
	(void)arg;
	for (unsigned x = 0;; x = (x + 1) & 0xffff) {
		int va = a((int)x), vb = b((int)x);

		if ((va != (int)x + 1 && va != (int)x + 2 && va != (int)x + 3) ||
		    (vb != (int)x + 10 && vb != (int)x + 20))
			atomic_fetch_add(&bad_result, 1);
		for (volatile int i = 0; i < 300; i++)
			;
	}
	return NULL;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void *sleeper(void *arg)
{
	(void)arg;
	for (;;) {
		struct timespec d = { 0, 20 * 1000 * 1000 };
		double t0 = now();

		nanosleep(&d, NULL);
		if (now() - t0 < 0.0199)
			atomic_fetch_add(&bad_sleep, 1);
	}
	return NULL;
}

static int command(const char *line)
{
	if (!strcmp(line, "v"))
		return printf("a=%s b=%s\n", a(0) == 3 ? "v3" : a(0) == 2 ? "new" : "old",
			      b(0) == 20 ? "new" : "old");
	if (!strcmp(line, "bad"))
		return printf("%lu\n", atomic_load(&bad_result) +
			      atomic_load(&bad_fp) + atomic_load(&bad_sleep));
	if (!strcmp(line, "why"))
		return printf("results=%lu fp=%lu sleeps=%lu\n",
			      atomic_load(&bad_result), atomic_load(&bad_fp),
			      atomic_load(&bad_sleep));
	if (!strcmp(line, "bt")) {
		void *frames[64];

		return printf("%d\n", backtrace(frames, 64));
	}
	return 0;
}

static void *commands(void *arg)
{
	(void)arg;
	fixture_loop(command);
	_exit(0);
}

int main(void)
{
	pthread_t t;

	void *frames[4];

	fixture_init();
	if (backtrace(frames, 4) <= 0)
		return 1;
	for (int i = 0; i < 3; i++)
		pthread_create(&t, NULL, caller, NULL);
	pthread_create(&t, NULL, sleeper, NULL);
	pthread_create(&t, NULL, commands, NULL);
	printf("ready\n");
	for (;;)
		if (!fp_ok())
			atomic_fetch_add(&bad_fp, 1);
}
