#include <stdio.h>
#ifdef __clang__
#define NOINLINE __attribute__((noinline))
#else
#define NOINLINE __attribute__((noinline, noclone))
#endif
static NOINLINE int step(int op, int x)
{
	switch (op) {
	case 0: return x + 1;
	case 1: return x * 3;
	case 2: return x - 7;
	case 3: return x ^ 5;
	case 4: return x << 2;
	case 5: return x / 3;
	case 6: return x % 7;
	default: return 0;
	}
}
NOINLINE int calc(int x) { return step(x & 7, x) + step((x + 1) & 7, x); }
int main(int argc, char **argv) { (void)argv; printf("%d\n", calc(argc + 3)); return 0; }
