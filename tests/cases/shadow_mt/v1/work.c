/* What the patch changes: v1 counts visits and checks nothing. */
#include <stdatomic.h>

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
