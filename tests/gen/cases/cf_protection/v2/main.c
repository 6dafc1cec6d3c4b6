#include <stdio.h>
#include <stdlib.h>
#ifdef __clang__
#define NOINLINE __attribute__((noinline))
#else
#define NOINLINE __attribute__((noinline, noclone))
#endif
NOINLINE int compute(int x) { return x * 3 + 4; }
static NOINLINE int helper(int x) { return x + 2; }
int main(int argc, char **argv) { (void)argv; printf("%d %d\n", compute(argc), helper(argc)); return 0; }
