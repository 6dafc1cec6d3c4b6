/* v2x: a build that is not v2: scale() multiplies by 5. A patch from v1 to v2
 * that claims v2x's build-id as its result lies about scale(); a patch built
 * on v2x must then be refused when scale() is checked. */
int calls;

static __attribute__((noinline)) int scale(int x)
{
	calls++;
	if (x < 0)
		return 0;
	return x * 5;
}

int handle(int x)
{
	return scale(x) + 1000;
}
