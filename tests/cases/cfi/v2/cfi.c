/* v2: compute(x) = helper(x) + 1, helper being new; the .cold piece
 * stays. */
#include <stdlib.h>

int bad_value;

__attribute__((noinline)) int helper(int x)
{
	return x * 3;
}

__attribute__((noinline)) int compute(int x)
{
	if (__builtin_expect(x < -1000000, 0)) {
		bad_value = x;
		abort();
	}
	return helper(x) + 1;
}
