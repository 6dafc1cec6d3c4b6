/* bench/threads — a target with N threads for measuring the pause of an
 * apply against the thread count. Every thread calls tick() (the function
 * the patch replaces) 100 times, then sleeps 1 ms: like the workers of a
 * server, mostly blocked, sometimes in the patched code ("light"). With
 * "spin" as a second argument they never sleep. Prints "ready" once every
 * thread runs; exits when stdin closes. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

unsigned tick(unsigned x);

static int spin;   /* argv[2] "spin": the workers never sleep */

static void *worker(void *arg)
{
	unsigned x = (unsigned)(unsigned long)arg;
	struct timespec nap = { 0, 1000 * 1000 };

	for (;;) {
		for (int i = 0; i < 100; i++)
			x = tick(x);
		if (!spin)
			nanosleep(&nap, NULL);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 1;
	char c;

	spin = argc > 2 && !strcmp(argv[2], "spin");
	for (int i = 0; i < n; i++) {
		pthread_t t;
		pthread_attr_t a;

		pthread_attr_init(&a);
		pthread_attr_setstacksize(&a, 64 * 1024);
		if (pthread_create(&t, &a, worker, (void *)(unsigned long)i)) {
			perror("pthread_create");
			return 1;
		}
	}
	printf("ready\n");
	fflush(stdout);
	while (read(0, &c, 1) > 0)
		;
	return 0;
}
