/* Patch B: compute(x) = x + 2. */
__attribute__((noinline)) int compute(int x)
{
	if (x < 0)
		return -x;
	return x + 2;
}
