/* v3 (for t_revert_all, on top of v2): compute() returns x * 1000. */
int compute(int x)
{
	if (x < 0)
		return -x;
	return x * 1000;
}
