/* v1: step(n) = 2n. Patch A (v2) changes it. */
__attribute__((noinline)) int step(int n)
{
	if (n < 0)
		return -n;
	return n * 2;
}
