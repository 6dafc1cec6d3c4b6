/* v1: compute(x) = x + 1 + bias. */
int bias;

int compute(int x)
{
	if (x < 0)
		return -x;
	return x + 1 + bias;
}
