/* v1: old value x + 1 (x >= 0 here; the test keeps the function longer
 * than the 5 bytes a redirecting jump needs). */
int compute(int x)
{
	if (x < 0)
		return -1;
	return x + 1;
}
