/* Target: one thread calls outer(), which sleeps in nocfi_wait() for
 * ever, a function compiled without unwind tables (its CFI is only in
 * .debug_frame, which the test moves into separate debug info).
 *   tid     the sleeping thread's id
 *   answer  answer() */
#include <pthread.h>
#include <stdatomic.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "fixture.h"

void outer(void);
const char *answer(void);

atomic_long sleeper_tid;

static void *sleeper(void *arg)
{
	(void)arg;
	outer();
	return NULL;
}

static int command(const char *line)
{
	if (!strcmp(line, "tid"))
		return printf("%ld\n", atomic_load(&sleeper_tid));
	if (!strcmp(line, "answer"))
		return printf("%s\n", answer());
	return 0;
}

int main(void)
{
	pthread_t t;

	fixture_init();
	if (pthread_create(&t, NULL, sleeper, NULL)) {
		printf("cannot start the sleeper\n");
		return 1;
	}
	while (!atomic_load(&sleeper_tid))
		usleep(1000);
	usleep(20000);
	printf("ready\n");
	return fixture_loop(command);
}
