#include <stdio.h>

/* Reads the C library's stderr: in a PIE, gcc loads it with a direct
 * PC-relative mov, counting on the program having a copy of it. */
int value(void)
{
	fputs("value() called\n", stderr);
	return 2;
}
