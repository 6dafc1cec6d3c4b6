#include <stdio.h>
#include <stdlib.h>
#ifdef __clang__
#define NOINLINE __attribute__((noinline))
#else
#define NOINLINE __attribute__((noinline, noclone))
#endif
NOINLINE int compute(int x) { return x * 7 + 12345; }
NOINLINE int keep(int x) { return x * 7 + 12345; }
int main(int argc, char **argv) { (void)argv; printf("%d %d\n", compute(argc), keep(argc)); return 0; }
