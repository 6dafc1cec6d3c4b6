#include <stdio.h>
#ifdef __clang__
#define NOINLINE __attribute__((noinline))
#else
#define NOINLINE __attribute__((noinline, noclone))
#endif
NOINLINE int f(int x) { static int n; n += x; return n; }
NOINLINE int g(int x) { static int n; n += 10 * x; return n; }
int main(void) { int a = f(1); int b = g(1); printf("%d %d\n", a, b); return 0; }
