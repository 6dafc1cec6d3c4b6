/* v2: compute() returns x * 100 instead of x + 1. */
int compute(int x)
{
	if (x < 0)
		return -x;
	return x * 100;
}
