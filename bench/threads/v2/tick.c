/* v2: the same count, without the check. */
unsigned tick(unsigned x)
{
	return x + 1 + (x == 0xdeadbeefu);
}
