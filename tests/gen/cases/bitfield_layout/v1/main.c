#include <stdio.h>
#include <stdlib.h>
#ifdef __clang__
#define NOINLINE __attribute__((noinline))
#else
#define NOINLINE __attribute__((noinline, noclone))
#endif
struct flags { unsigned a : 3; unsigned b : 5; int c; };
NOINLINE unsigned get_a(const struct flags *f) { return f->a; }
NOINLINE unsigned get_b(const struct flags *f) { return f->b; }
NOINLINE int get_c(const struct flags *f) { return f->c; }
int main(int argc, char **argv)
{
	struct flags f;
	(void)argv;
	f.a = argc; f.b = argc + 1; f.c = argc + 2;
	printf("%u %u %d\n", get_a(&f), get_b(&f), get_c(&f));
	return 0;
}
