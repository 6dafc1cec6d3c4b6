#include <stdio.h>
#include <stdlib.h>
#ifdef __clang__
#define NOINLINE __attribute__((noinline))
#else
#define NOINLINE __attribute__((noinline, noclone))
#endif
static inline int sq(int x) { return x * x + 5; }
NOINLINE int a(int x) { return sq(x) + 1; }
NOINLINE int b(int x) { return sq(x + 1) * 2; }
NOINLINE int c(int x) { return x - 4; }
int main(int argc, char **argv) { (void)argv; printf("%d %d %d\n", a(argc), b(argc), c(argc)); return 0; }
