/* v3: compute(x) = x * 100 + 7 + bias (a function the v1->v2 patch already
 * replaced). */
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
	return x * 100 + 7 + bias;
}
