/* Hooks that only touch the program's variables: they take no lock, and
 * run in any thread — here the only one, stopped inside fgets. */
#include "nonstop.h"

extern long counter;

static long times(long x, long by)       /* a call of the patch's own */
{
	return x * by;
}

static int scale(void)
{
	counter = times(counter, 10);
	return 0;
}

static int unscale(void)
{
	counter /= 10;
	return 0;
}

NONSTOP_POST_APPLY(scale);
NONSTOP_PRE_REVERT(unscale);
