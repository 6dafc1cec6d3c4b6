/* scale() is what the fix changes; where() and check() come after it in
 * the file and embed line numbers (__LINE__, assert), so a fix that adds
 * lines to scale() would change them too unless it is made line-neutral. */
#include <assert.h>

static __attribute__((noinline)) int scale(int x)
{
	if (x < 0)
		return 0;
	return x * 2;
}

int handle(int x)
{
	return scale(x) + 1000;
}

/* The line this function's return is on. */
int where(void)
{
	return __LINE__;
}

int check(int x)
{
	assert(x != 12345);
	return x + 1;
}
