/* v2 formats with snprintf and measures with strlen, which the v1 program
 * never called: the patch must find them in the target's libc. */
#include <stdio.h>
#include <string.h>

void label(int x, char *buf, unsigned long len)
{
	size_t n;

	snprintf(buf, len, "value %d", x);
	n = strlen(buf);
	snprintf(buf + n, len - n, " (%zu chars)", n);
}
