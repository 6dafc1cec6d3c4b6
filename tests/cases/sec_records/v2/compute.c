/* v2: compute multiplies. */
int compute(int x)
{
	if (x < 0)
		return -x;
	return x * 100;
}
