/* handle() and the static scale() it calls: the same in v1 and v2, so a
 * patch from v1 to v2 leaves them alone; v3 changes scale(). scale() uses a
 * global, so its code holds a relocated field whose value differs between
 * the v1 and the v2 binary (the code before it moved). */
int calls;

static __attribute__((noinline)) int scale(int x)
{
	calls++;
	if (x < 0)
		return 0;
	return x * 2;
}

int handle(int x)
{
	return scale(x) + 1000;
}
