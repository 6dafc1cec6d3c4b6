/* v1: calc(x) = x * 2, under two names. */
__attribute__((noinline)) int calc(int x)
{
	return x * 2;
}
extern int calc_alias(int x) __attribute__((alias("calc")));
