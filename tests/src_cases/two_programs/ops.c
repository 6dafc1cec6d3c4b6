/* handle() = scale(x) + base(); the fixes change scale() (and base(), in
 * lib/util.c). */
int base(void);

static __attribute__((noinline)) int scale(int x)
{
	if (x < 0)
		return 0;
	return x * 2;
}

int handle(int x)
{
	return scale(x) + base();
}
