/* v3: scale() triples (a function v2 did not change: in a process running
 * v1 + the v1->v2 patch, its code is still v1's). */
int calls;

static __attribute__((noinline)) int scale(int x)
{
	calls++;
	if (x < 0)
		return 0;
	return x * 3;
}

int handle(int x)
{
	return scale(x) + 1000;
}
