/* v3: calc(x) = x * 4, under two names. */
__attribute__((noinline)) int calc(int x)
{
	return x * 4;
}
extern int calc_alias(int x) __attribute__((alias("calc")));
