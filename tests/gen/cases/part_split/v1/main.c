#include <stdio.h>
#include <stdlib.h>
#ifdef __clang__
#define NOINLINE __attribute__((noinline))
#else
#define NOINLINE __attribute__((noinline, noclone))
#endif
static int slow(int x)
{
	if (__builtin_expect(x > 1000, 0)) {
		unsigned h = (unsigned)x;
		for (int i = 0; i < 64; i++) {
			h = h * 7 + (unsigned)i;
			if (h % 13 == 0) printf("a %u\n", h);
			if (h % 17 == 0) printf("b %u\n", h);
			if (h % 19 == 0) printf("c %u\n", h);
		}
		fprintf(stderr, "big %u\n", h);
		return (int)(h >> 1);
	}
	return x + 1;
}
NOINLINE int run(int a, int b) { return slow(a) + slow(b); }
int main(int argc, char **argv) { printf("%d\n", run(argc, atoi(argv[0] + 1))); return 0; }
