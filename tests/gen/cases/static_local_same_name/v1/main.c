#include <stdio.h>
#include <stdlib.h>
#ifdef __clang__
#define NOINLINE __attribute__((noinline))
#else
#define NOINLINE __attribute__((noinline, noclone))
#endif
NOINLINE int f(void) { static int count; return ++count; }
NOINLINE int g(void) { static int count = 100; return ++count; }
int main(void) { printf("%d %d\n", f(), g()); return 0; }
