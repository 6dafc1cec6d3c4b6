/* v2: calc(x) = x * 3, under two names. */
__attribute__((noinline)) int calc(int x)
{
	return x * 3;
}
extern int calc_alias(int x) __attribute__((alias("calc")));
