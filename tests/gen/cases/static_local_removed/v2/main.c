#include <stdio.h>
#include <stdlib.h>
#ifdef __clang__
#define NOINLINE __attribute__((noinline))
#else
#define NOINLINE __attribute__((noinline, noclone))
#endif
int total;
NOINLINE int f(int x) { total += x; return x + 1; }
int main(int argc, char **argv) { (void)argv; printf("%d\n", f(argc)); return 0; }
