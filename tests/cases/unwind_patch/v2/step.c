/* Patch A: step(n) = 3n, and job 7 is parked first in park(), a new
 * function that sleeps until the main thread sets park_release. */
#include <time.h>

extern volatile int park_release, parked;

__attribute__((noinline)) void park(void)
{
	struct timespec ts = { 0, 5 * 1000 * 1000 };

	parked = 1;
	while (!park_release)
		nanosleep(&ts, NULL);
	park_release = 0;
	parked = 0;
}

__attribute__((noinline)) int step(int n)
{
	if (n < 0)
		return -n;
	if (n == 7)
		park();
	return n * 3;
}
