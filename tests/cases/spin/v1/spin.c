/* spin() never returns: a thread inside it can never be moved to new code
 * by stop-the-world, so an update that replaces it must be refused. */
#include <stdatomic.h>

atomic_ulong spins;

void spin(void)
{
	for (;;)
		atomic_fetch_add_explicit(&spins, 1, memory_order_relaxed);
}

const char *answer(void)
{
	return "old";
}
