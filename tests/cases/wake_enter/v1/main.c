/* Target of t_wake_before_stop: a thread asleep in read() on a pipe that,
 * once woken, calls enter() (the function the patch changes) and stays in
 * it. Commands:
 *   wake     wakes that thread; prints "inside" once it is in enter()
 *   release  lets it return from enter() and sleep in read() again;
 *            prints "released"
 *   answer   answer(): 1 before the patch, 2 after
 *   enters   how many times enter() ran */
#include <pthread.h>
#include <stdatomic.h>
#include <unistd.h>

#include "fixture.h"

void enter(void);
int answer(void);

atomic_int holding, inside;
atomic_ulong enters;
static int door[2];

static void *sleeper(void *arg)
{
	char c;

	(void)arg;
	while (read(door[0], &c, 1) == 1)
		enter();
	return NULL;
}

static void wait_for(int want)
{
	while (atomic_load(&inside) != want)
		usleep(1000);
}

static int command(const char *line)
{
	if (!strcmp(line, "wake")) {
		atomic_store(&holding, 1);
		if (write(door[1], "w", 1) != 1)
			return printf("cannot wake\n");
		wait_for(1);
		return printf("inside\n");
	}
	if (!strcmp(line, "release")) {
		atomic_store(&holding, 0);
		wait_for(0);
		return printf("released\n");
	}
	if (!strcmp(line, "answer"))
		return printf("%d\n", answer());
	if (!strcmp(line, "enters"))
		return printf("%lu\n", atomic_load(&enters));
	return 0;
}

int main(void)
{
	pthread_t t;

	fixture_init();
	if (pipe(door) || pthread_create(&t, NULL, sleeper, NULL)) {
		printf("cannot start the sleeper\n");
		return 1;
	}
	printf("ready\n");
	return fixture_loop(command);
}
