/* Target of t_replace_busy: a thread that stays in a patch's code, so that
 * replacing that patch must wait for it. Commands:
 *   hold     starts a thread that calls hold(): as v2 has it, hold() stays
 *            until "release"; prints "held" once the thread is in it, or
 *            "returned" if hold() returned at once (v1, v3)
 *   release  lets that thread return and waits for it; prints "released"
 *   answer   answer()
 *   holds    how many times hold() ran (state kept across patches)
 *   ping     pong */
#include <pthread.h>
#include <stdatomic.h>
#include <unistd.h>

#include "fixture.h"

void hold(void);
int answer(void);

atomic_int holding, inside;
atomic_ulong holds;
static atomic_int done;
static pthread_t holder;

static void *hold_thread(void *arg)
{
	(void)arg;
	hold();
	atomic_store(&done, 1);
	return NULL;
}

static void start_hold(void)
{
	atomic_store(&holding, 1);
	atomic_store(&inside, 0);
	atomic_store(&done, 0);
	if (pthread_create(&holder, NULL, hold_thread, NULL)) {
		printf("cannot start a thread\n");
		return;
	}
	while (!atomic_load(&inside) && !atomic_load(&done))
		usleep(1000);
	printf("%s\n", atomic_load(&inside) ? "held" : "returned");
	if (atomic_load(&done))
		pthread_join(holder, NULL);
}

static int command(const char *line)
{
	if (!strcmp(line, "hold")) {
		start_hold();
		return 1;
	}
	if (!strcmp(line, "release")) {
		atomic_store(&holding, 0);
		pthread_join(holder, NULL);
		return printf("released\n");
	}
	if (!strcmp(line, "answer"))
		return printf("%d\n", answer());
	if (!strcmp(line, "holds"))
		return printf("%lu\n", atomic_load(&holds));
	return 0;
}

int main(void)
{
	fixture_init();
	printf("ready\n");
	return fixture_loop(command);
}
