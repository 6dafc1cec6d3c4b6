/* v3 (fix B, on top of A): calc() and limit() change their code again. */
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
	return thrice(x) + 2;
}

int limit(int x)
{
	if (x < 0)
		return 0;
	return x > 1000 ? 1000 : x;
}
