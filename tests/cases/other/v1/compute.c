/* Another program with the same function names as global_func, different
 * code: a patch built for global_func must be refused here. */
int compute(int x)
{
	if (x < 0)
		return -x;
	return x + 3;
}
