/* v4: on top of v3, scale() quadruples (a patch from v3 to v4 goes on top
 * of a cumulative v1 -> v3 patch). */
int calls;

static __attribute__((noinline)) int scale(int x)
{
	calls++;
	if (x < 0)
		return 0;
	return x * 4;
}

int handle(int x)
{
	return scale(x) + 1000;
}
