/* libshl.so, v2: calc() multiplies by 3. */
int verbose = 1;

__attribute__((noinline)) int rare(int x)
{
	return -x;
}

__attribute__((noinline)) int often(int x)
{
	return x + 100;
}

int calc(int x)
{
	if (x < 0)
		return rare(x);
	return often(x) * 3 + verbose;
}
