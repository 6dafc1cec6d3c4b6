/* outer() calls nocfi_wait(), which never returns; answer() is what the
 * v3 patch changes alone. */
#include <stdatomic.h>
#include <sys/syscall.h>
#include <unistd.h>

void nocfi_wait(volatile char *scratch);
extern atomic_long sleeper_tid;

void outer(void)
{
	volatile char scratch[64] = { 1 };

	atomic_store(&sleeper_tid, (long)syscall(SYS_gettid));
	for (;;)
		nocfi_wait(scratch);
}

const char *answer(void)
{
	return "old";
}
