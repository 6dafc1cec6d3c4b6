/* Target: one thread enters spin() and never leaves it.
 *   tid     the thread id (gettid) of that thread
 *   spins   how many rounds it has made (it keeps running)
 *   answer  answer(), changed by the patch along with spin() */
#include <pthread.h>
#include <stdatomic.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "fixture.h"

extern atomic_ulong spins;
void spin(void);
const char *answer(void);

static atomic_long spinner_tid;

static void *spinner(void *arg)
{
	(void)arg;
	atomic_store(&spinner_tid, (long)syscall(SYS_gettid));
	spin();
	return NULL;
}

static int command(const char *line)
{
	if (!strcmp(line, "tid"))
		return printf("%ld\n", atomic_load(&spinner_tid));
	if (!strcmp(line, "spins"))
		return printf("%lu\n", atomic_load(&spins));
	if (!strcmp(line, "answer"))
		return printf("%s\n", answer());
	return 0;
}

int main(void)
{
	pthread_t t;

	fixture_init();
	if (pthread_create(&t, NULL, spinner, NULL)) {
		printf("cannot start the spinner\n");
		return 1;
	}
	while (!atomic_load(&spinner_tid) || !atomic_load(&spins))
		usleep(1000);
	printf("ready\n");
	return fixture_loop(command);
}
