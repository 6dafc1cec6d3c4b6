/* v1: compute(x) = x + 1. Patch B changes it. */
__attribute__((noinline)) int compute(int x)
{
	if (x < 0)
		return -x;
	return x + 1;
}
