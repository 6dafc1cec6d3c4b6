/* v2: new value x + 2. */
int compute(int x)
{
	if (x < 0)
		return -1;
	return x + 2;
}
