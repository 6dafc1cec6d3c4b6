/* What the patch changes: v1 counts visits and checks nothing. It
 * includes nonstop.h already (as main.c does), so the patch's code refers
 * to the program's root rather than bringing one (which apply would bind
 * to the program's just the same). */
#include <stdatomic.h>

#include "nonstop.h"

struct obj {
	unsigned long visits;
	int id;
};

void work(int id, unsigned long n, struct obj *s, struct obj *p)
{
	(void)id;
	(void)n;
	__atomic_fetch_add(&s->visits, 1, __ATOMIC_RELAXED);
	p->visits++;
}

unsigned long checks(void)
{
	return 0;
}

unsigned long errors(void)
{
	return 0;
}

long verify(void)
{
	return 0;
}
