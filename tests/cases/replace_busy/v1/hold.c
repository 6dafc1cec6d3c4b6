/* v1: hold() returns at once; answer() is 1. */
#include <stdatomic.h>

extern atomic_ulong holds;

void hold(void)
{
	atomic_fetch_add(&holds, 1);
}

int answer(void)
{
	return 1;
}
