/* v2 is this file with a longer comment: every function moves down some
 * lines, nothing else changes. nonstop build must say "no change" (exit 3).
 *
 * (These three lines are the only difference.)
 */
int compute(int x)
{
	if (x < 0)
		return -x;
	return x + 1;
}

int twice(int x)
{
	return compute(x) * 2;
}
