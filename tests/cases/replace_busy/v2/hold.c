/* v2: hold() stays until the program clears `holding` (sleeping: a thread
 * there will return into it); answer() is 2. */
#include <stdatomic.h>
#include <unistd.h>

extern atomic_int holding, inside;
extern atomic_ulong holds;

void hold(void)
{
	atomic_fetch_add(&holds, 1);
	atomic_store(&inside, 1);
	while (atomic_load(&holding))
		usleep(1000);
	atomic_store(&inside, 0);
}

int answer(void)
{
	return 2;
}
