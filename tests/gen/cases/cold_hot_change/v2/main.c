#include <stdio.h>
#include <stdlib.h>
#ifdef __clang__
#define NOINLINE __attribute__((noinline))
#else
#define NOINLINE __attribute__((noinline, noclone))
#endif
int bad_value;
NOINLINE int check(int x)
{
	if (__builtin_expect(x < 0, 0)) {
		bad_value = x;
		abort();
	}
	return x * 3;
}
int main(int argc, char **argv) { (void)argv; printf("%d\n", check(argc)); return 0; }
