/* v1: old value x + 1 (long enough for the 5-byte redirecting jump). */
int compute(int x)
{
	if (x < 0)
		return -1;
	return x + 1;
}
