/* v1: old value x + 1, the long way (a loop of a few dozen instructions,
 * which a stopped thread is often inside; the result is x >= 0 here). */
int compute(int x)
{
	volatile int acc = x;

	for (int i = 0; i < 8; i++)
		acc = acc + (i & 1) - ((i & 1) ^ 0);
	return acc + 1;
}
