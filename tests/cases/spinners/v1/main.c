/* Target: 8 threads call compute() back to back, and check every result.
 *   stats   prints "errors=E calls=C new=N": E results that are neither the
 *           old (x + 1) nor the new (x + 2) value, C calls made, N new values.
 * Unlike the threads case, a thread spends a good part of its loop inside
 * compute(): a stop of every thread often finds one of them there. */
#include <pthread.h>
#include <stdatomic.h>

#include "fixture.h"

#define THREADS 8

int compute(int x);

static atomic_ulong calls, errors, news;

static void *worker(void *arg)
{
	unsigned x = (unsigned)(long)arg * 7919u;

	for (;;) {
		int in = (int)(++x & 0xffff);
		int v = compute(in);

		if (v == in + 2)
			atomic_fetch_add_explicit(&news, 1, memory_order_relaxed);
		else if (v != in + 1)
			atomic_fetch_add_explicit(&errors, 1, memory_order_relaxed);
		atomic_fetch_add_explicit(&calls, 1, memory_order_relaxed);
		for (volatile int i = 0; i < 20; i++)
			;
	}
	return NULL;
}

static int command(const char *line)
{
	if (!strcmp(line, "stats"))
		return printf("errors=%lu calls=%lu new=%lu\n", atomic_load(&errors),
			      atomic_load(&calls), atomic_load(&news));
	if (!strcmp(line, "errors"))
		return printf("%lu\n", atomic_load(&errors));
	if (!strcmp(line, "calls"))
		return printf("%lu\n", atomic_load(&calls));
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
