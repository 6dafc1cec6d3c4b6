/* Patch D: step(n) = 4n (built against v1, applied on top of A, it
 * replaces step() again). */
__attribute__((noinline)) int step(int n)
{
	if (n < 0)
		return -n;
	return n * 4;
}
