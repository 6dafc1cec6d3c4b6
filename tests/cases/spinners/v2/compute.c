/* v2: new value x + 2, the same long way. */
int compute(int x)
{
	volatile int acc = x;

	for (int i = 0; i < 8; i++)
		acc = acc + (i & 1) - ((i & 1) ^ 0);
	return acc + 2;
}
