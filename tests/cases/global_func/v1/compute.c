/* v1: the function the patch changes. (Negative inputs are folded so that
 * the function is longer than the 5 bytes a redirecting jump needs.) */
int compute(int x)
{
	if (x < 0)
		return -x;
	return x + 1;
}
