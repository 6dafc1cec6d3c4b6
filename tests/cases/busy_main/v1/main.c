/* Target: the main thread computes without pause (it never makes a
 * system call); a second thread answers the commands, blocked in read()
 * between them.
 *   tid      the answering thread's id
 *   spins    how many rounds the main thread has made
 *   answer   answer() */
#include <pthread.h>
#include <stdatomic.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "fixture.h"

const char *answer(void);

static atomic_ulong spins;
static atomic_long answerer_tid;

static int command(const char *line)
{
	if (!strcmp(line, "tid"))
		return printf("%ld\n", atomic_load(&answerer_tid));
	if (!strcmp(line, "spins"))
		return printf("%lu\n", atomic_load(&spins));
	if (!strcmp(line, "answer"))
		return printf("%s\n", answer());
	return 0;
}

static void *answerer(void *arg)
{
	(void)arg;
	atomic_store(&answerer_tid, (long)syscall(SYS_gettid));
	printf("ready\n");
	exit(fixture_loop(command));
}

int main(void)
{
	pthread_t t;

	fixture_init();
	if (pthread_create(&t, NULL, answerer, NULL)) {
		printf("cannot start the answering thread\n");
		return 1;
	}
	for (;;)
		atomic_fetch_add_explicit(&spins, 1, memory_order_relaxed);
}
