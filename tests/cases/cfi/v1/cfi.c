/* v1: compute(x) = x + 1; an unlikely branch that gcc -O2 moves to a
 * .cold piece of its own (with an FDE of its own). */
#include <stdlib.h>

int bad_value;

__attribute__((noinline)) int compute(int x)
{
	if (__builtin_expect(x < -1000000, 0)) {
		bad_value = x;
		abort();
	}
	return x + 1;
}
