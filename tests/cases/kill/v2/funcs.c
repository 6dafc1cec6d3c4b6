/* v2: a(x) = x + 2, b(x) = x + 20. */
int a(int x)
{
	if (x < 0)
		return -1;
	return x + 2;
}

int b(int x)
{
	if (x < 0)
		return -1;
	return x + 20;
}
