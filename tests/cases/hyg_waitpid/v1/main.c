/* Target for t_hyg_waitpid_parent: two threads call compute() without
 * pause (checking every result), a third sleeps in nanosleep(), and the
 * main thread reads commands on stdin:
 *   ping     pong
 *   call N   compute(N)
 *   errors   results that were neither old (x + 1) nor new (x + 2)
 * It is started by parent.c, whose waitpid() must see nothing of an update. */
#include <pthread.h>
#include <stdatomic.h>
#include <time.h>

#include "fixture.h"

int compute(int x);

static atomic_ulong errors;

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

static void *sleeper(void *arg)
{
	(void)arg;
	for (;;) {
		struct timespec ts = { 0, 50 * 1000 * 1000 };
		nanosleep(&ts, NULL);
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
	return 0;
}

int main(void)
{
	pthread_t t;

	fixture_init();
	if (pthread_create(&t, NULL, worker, (void *)1L) ||
	    pthread_create(&t, NULL, worker, (void *)2L) ||
	    pthread_create(&t, NULL, sleeper, NULL)) {
		printf("cannot start threads\n");
		return 1;
	}
	printf("ready\n");
	return fixture_loop(command);
}
