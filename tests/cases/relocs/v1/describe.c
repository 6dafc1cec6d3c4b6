/* References a global, a string literal and a libc function: the three
 * kinds of relocation that differ between PIE and non-PIE code. */
#include <stdio.h>

int base = 7;

void describe(int x, char *buf, unsigned long len)
{
	snprintf(buf, len, "v1 %d", x + base);
}
