#include <stdio.h>
#include <stdlib.h>
#ifdef __clang__
#define NOINLINE __attribute__((noinline))
#else
#define NOINLINE __attribute__((noinline, noclone))
#endif
NOINLINE int dispatch(int op, int a)
{
	switch (op) {
	case 0: return a + 1;
	case 1: return a * 3;
	case 2: return a - 7;
	case 3: return a ^ 0x55;
	case 4: return a << 2;
	case 5: return a / 3;
	case 6: return a | 9;
	case 7: return -a;
	case 8: return a % 11;
	default: return 0;
	}
}
int main(int argc, char **argv) { printf("%d\n", dispatch(atoi(argv[0] + 2), argc)); return 0; }
