/* v1: the function the patch changes (long enough to redirect). */
int compute(int x)
{
	if (x < 0)
		return -x;
	return x + 1;
}
