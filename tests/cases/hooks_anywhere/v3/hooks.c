/* A hook that prints: it takes stdout's lock, of the class a thread inside
 * stdio may hold (the program's only thread, inside fgets): refused. */
#include <stdio.h>

#include "nonstop.h"

int value(void);

static __attribute__((noinline)) void say(int version)
{
	printf("hello from version %d\n", version);
}

static int greet(void)
{
	say(value());
	return 0;
}

NONSTOP_PRE_APPLY(greet);

/* A call through a pointer: nonstop cannot follow it, so the hook may
 * take any lock (`nonstop show` says so; the pre-apply hook is refused
 * first). */
static int nothing(void)
{
	return 0;
}

static int (*volatile then)(void) = nothing;

static int indirect(void)
{
	return then();
}

NONSTOP_POST_APPLY(indirect);
