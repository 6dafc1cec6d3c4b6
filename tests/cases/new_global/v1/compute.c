/* v1: compute() alone. */
int compute(int x)
{
	if (x < 0)
		return -x;
	return x + 1;
}
