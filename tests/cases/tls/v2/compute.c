/* v2: the same thread-local variables, now counted ten at a time. */
__thread int tcalls;
__thread int tsum = 100;

int compute(int x)
{
	tcalls += 10;
	tsum += 10 * x;
	return x * 100;
}
