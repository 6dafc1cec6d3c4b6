/* v2 (fix A): twice() takes a factor, a new signature: the patch brings
 * a new twice() beside the old one, and calc() calls it. */
static __attribute__((noinline, noclone)) int twice(int x, int k)
{
	return k * x;
}

int calc(int x)
{
	return twice(x, 3) + 1;
}
