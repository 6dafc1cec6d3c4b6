/* v1: traced() counts its calls and returns 0. */
int traced_calls;

__attribute__((noinline)) int traced(void)
{
	if (traced_calls < 0)
		return -1;
	traced_calls++;
	return 0;
}
