/* v1: enter() stays while `holding` is set, asleep in usleep (a thread
 * there will return into it); answer() is 1. */
#include <stdatomic.h>
#include <unistd.h>

extern atomic_int holding, inside;
extern atomic_ulong enters;

void enter(void)
{
	atomic_fetch_add(&enters, 1);
	atomic_store(&inside, 1);
	while (atomic_load(&holding))
		usleep(1000);
	atomic_store(&inside, 0);
}

int answer(void)
{
	return 1;
}
