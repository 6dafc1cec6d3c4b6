/* Compiled by t_unwind_debuginfo without unwind tables: its frame (a
 * buffer on the stack, so that the CFA is not where a plain unwinder
 * would guess) is described in .debug_frame only. */
#include <string.h>
#include <unistd.h>

void nocfi_wait(volatile char *scratch)
{
	char buf[200];

	memset(buf, scratch[0], sizeof(buf));
	scratch[1] = buf[(unsigned char)scratch[2] % sizeof(buf)];
	sleep(1000);
	scratch[3] = buf[7];
}
