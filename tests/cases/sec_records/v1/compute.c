/* v1: the function the patch of t_sec_status_escape changes (folded for
 * negative inputs, so that it is longer than a redirecting jump). */
int compute(int x)
{
	if (x < 0)
		return -x;
	return x + 1;
}
