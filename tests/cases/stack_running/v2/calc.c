/* v2 (fix A): calc() calls thrice() instead of twice() (the same code
 * otherwise); limit() grows (another size than v1's). */
static __attribute__((noinline)) int twice(int x)
{
	return 2 * x;
}

static __attribute__((noinline)) int thrice(int x)
{
	return 3 * x;
}

int (*volatile keep_thrice)(int) = thrice;

int calc(int x)
{
	return thrice(x) + 1;
}

int limit(int x)
{
	if (x < 0)
		return 0;
	return x > 100 ? 100 : x;
}
