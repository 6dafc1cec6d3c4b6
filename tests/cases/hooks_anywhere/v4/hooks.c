/* A hook that allocates: it may take malloc's locks, which a thread inside
 * fgets does not hold: it runs there. */
#include <stdlib.h>
#include <string.h>

#include "nonstop.h"

extern char *kept;

static int keep(void)
{
	char *p = malloc(16);

	if (!p)
		return 1;
	strcpy(p, "from-malloc");
	kept = p;
	return 0;
}

NONSTOP_PRE_APPLY(keep);

/* An atomic exchange, as a spinlock takes: the hook may spin on a lock
 * taken in place, which a thread stopped outside a system call may hold;
 * the program's thread, inside fgets, is in one: it runs there. */
extern long counter;

static int swap(void)
{
	__atomic_exchange_n(&counter, 9, __ATOMIC_SEQ_CST);
	return 0;
}

NONSTOP_POST_APPLY(swap);
