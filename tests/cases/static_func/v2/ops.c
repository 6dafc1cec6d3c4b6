/* handle() is the same in v1 and v2; only the static scale() changes.
 * noinline keeps scale() a function of its own at -O2. */
static __attribute__((noinline)) int scale(int x)
{
	if (x < 0)
		return 0;
	return x * 3;
}

int handle(int x)
{
	return scale(x) + 1000;
}
