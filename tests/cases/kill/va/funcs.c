/* va: a patch changing a() only (a(x) = x + 2, as in v2); from va, a patch
 * changing b() too reaches v2 (t_replace: A is v1 -> va, B is va -> v2). */
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
	return x + 10;
}
