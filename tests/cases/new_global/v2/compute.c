/* v2: a new initialised global and a new global function; compute() uses
 * both. compute(5) answers 51 the first time after the update, then 52... */
int extra_calls = 40;

__attribute__((noinline)) int helper(int x)
{
	return x * 2 + extra_calls;
}

int compute(int x)
{
	extra_calls++;
	return helper(x);
}
