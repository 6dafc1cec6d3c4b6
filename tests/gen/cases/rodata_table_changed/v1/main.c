#include <stdio.h>
#ifdef __clang__
#define NOINLINE __attribute__((noinline))
#else
#define NOINLINE __attribute__((noinline, noclone))
#endif
/* A parser's table: read-only, changed by the fix; pick() reads it with
 * the same code in both versions. */
static const unsigned char table[8] = { 3, 1, 4, 1, 5, 9, 2, 6 };
static const short grown[] = { 10, 20, 30 };
NOINLINE int pick(int i) { return table[i & 7]; }
NOINLINE int sum(void)
{
	int s = 0;

	for (unsigned i = 0; i < sizeof(grown) / sizeof(grown[0]); i++)
		s += grown[i];
	return s;
}
int main(int argc, char **argv) { (void)argv; printf("%d %d\n", pick(argc + 4), sum()); return 0; }
