/* v3 (fix B, on top of A): calc() changes again, calling twice() as v2
 * does. */
static __attribute__((noinline, noclone)) int twice(int x, int k)
{
	return k * x;
}

int calc(int x)
{
	return twice(x, 3) + 2;
}
