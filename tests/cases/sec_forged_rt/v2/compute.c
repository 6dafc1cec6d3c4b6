/* v2: the fixed function. */
int compute(int x)
{
	if (x < 0)
		return -x;
	return x + 2;
}
