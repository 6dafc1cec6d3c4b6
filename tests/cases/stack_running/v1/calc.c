/* v1: calc(x) = twice(x) + 1; limit() caps at 10. */
static __attribute__((noinline)) int twice(int x)
{
	return 2 * x;
}

static __attribute__((noinline)) int thrice(int x)
{
	return 3 * x;
}

int (*volatile keep_thrice)(int) = thrice;  /* thrice() stays in v1 */

int calc(int x)
{
	return twice(x) + 1;
}

int limit(int x)
{
	return x > 10 ? 10 : x;
}
