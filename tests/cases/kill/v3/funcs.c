/* v3: a(x) = x + 3, b() as in v1. A cumulative patch from v1 to v3 replaces
 * a() and gives b() its original code back (t_replace). */
int a(int x)
{
	if (x < 0)
		return -1;
	return x + 3;
}

int b(int x)
{
	if (x < 0)
		return -1;
	return x + 10;
}
