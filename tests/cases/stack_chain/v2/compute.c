/* v2: compute(x) = x * 100 + bias, with a longer path for large inputs, so
 * that the code after compute() (main.o, ops.o) lies at other addresses in
 * the v2 binary than in the v1 binary. */
int bias;

int compute(int x)
{
	if (x < 0)
		return -x;
	if (x > 1000000) {
		long long y = (long long)x * 100 + bias;

		while (y > 2000000000LL)
			y = y / 3 + (y & 7) + bias;
		return (int)y ^ (x >> 3);
	}
	return x * 100 + bias;
}
