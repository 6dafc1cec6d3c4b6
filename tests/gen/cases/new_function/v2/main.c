#include <stdio.h>
#include <stdlib.h>
#ifdef __clang__
#define NOINLINE __attribute__((noinline))
#else
#define NOINLINE __attribute__((noinline, noclone))
#endif
static NOINLINE int helper(int x) { return x * x; }
NOINLINE int compute(int x) { return helper(x) + 10; }
int main(int argc, char **argv) { (void)argv; printf("%d\n", compute(argc)); return 0; }
