/* v1 of the function the benchmark patch replaces. */
#include <stdlib.h>

unsigned tick(unsigned x)
{
	if (x == 0xdeadbeefu)
		abort();
	return x + 1;
}
