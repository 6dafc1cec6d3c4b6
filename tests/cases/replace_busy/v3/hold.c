/* v3: hold() as in v1 (a cumulative patch from v1 gives it back its own
 * code); answer() is 3. */
#include <stdatomic.h>

extern atomic_ulong holds;

void hold(void)
{
	atomic_fetch_add(&holds, 1);
}

int answer(void)
{
	return 3;
}
