/* Patch D: step(n) = 4n (built from v2, A's version, with v1's binary:
 * applied on top of A, it replaces step() again). */
__attribute__((noinline)) int step(int n)
{
	if (n < 0)
		return -n;
	return n * 4;
}
