/* redirect.c — encoding of the entry jump written over a replaced function.
 * A 5-byte `jmp rel32` is enough: the patch is always placed within 2 GiB
 * of the module it patches. */
#include <string.h>

#include "transition/redirect.h"

int ns_redirect_encode(uint64_t from, uint64_t to, uint8_t out[NS_JMP_LEN])
{
	int64_t rel = (int64_t)(to - (from + NS_JMP_LEN));
	int32_t r32 = (int32_t)rel;

	if (rel != r32)
		return -1;
	out[0] = 0xe9;
	memcpy(out + 1, &r32, 4);
	return 0;
}
