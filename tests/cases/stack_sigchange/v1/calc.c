/* v1: calc(x) = twice(x) + 1. */
static __attribute__((noinline, noclone)) int twice(int x)
{
	return 2 * x;
}

int calc(int x)
{
	return twice(x) + 1;
}
