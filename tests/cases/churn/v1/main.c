/* Target: threads that come and go. Two spawner threads each create, again
 * and again, a thread that calls compute() 2000 times (checking every
 * result) and exits; they join it and start the next. nonstop attaches,
 * stops and detaches while threads are being created and are exiting.
 *   stats   prints "errors=E calls=C new=N spawned=S" (see threads/). */
#include <pthread.h>
#include <stdatomic.h>

#include "fixture.h"

#define THREADS 2

int compute(int x);

static atomic_ulong calls, errors, news, spawned;

static void *short_lived(void *arg)
{
	unsigned x = (unsigned)(unsigned long)arg * 7919u;

	for (int n = 0; n < 2000; n++) {
		int in = (int)(++x & 0xffff);
		int v = compute(in);

		if (v == in + 2)
			atomic_fetch_add_explicit(&news, 1, memory_order_relaxed);
		else if (v != in + 1)
			atomic_fetch_add_explicit(&errors, 1, memory_order_relaxed);
		atomic_fetch_add_explicit(&calls, 1, memory_order_relaxed);
	}
	return NULL;
}

static void *worker(void *arg)
{
	(void)arg;
	for (;;) {
		pthread_t t;
		unsigned long n = atomic_fetch_add(&spawned, 1);

		if (pthread_create(&t, NULL, short_lived, (void *)n) == 0)
			pthread_join(t, NULL);
	}
	return NULL;
}

static int command(const char *line)
{
	if (!strcmp(line, "stats"))
		return printf("errors=%lu calls=%lu new=%lu spawned=%lu\n",
			      atomic_load(&errors), atomic_load(&calls),
			      atomic_load(&news), atomic_load(&spawned));
	if (!strcmp(line, "errors"))
		return printf("%lu\n", atomic_load(&errors));
	if (!strcmp(line, "calls"))
		return printf("%lu\n", atomic_load(&calls));
	if (!strcmp(line, "spawned"))
		return printf("%lu\n", atomic_load(&spawned));
	if (!strcmp(line, "new"))
		return printf("%lu\n", atomic_load(&news));
	return 0;
}

int main(void)
{
	pthread_t t;

	fixture_init();
	for (long i = 0; i < THREADS; i++)
		if (pthread_create(&t, NULL, worker, (void *)i)) {
			printf("cannot start threads\n");
			return 1;
		}
	printf("ready\n");
	return fixture_loop(command);
}
