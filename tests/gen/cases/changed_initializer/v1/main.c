#include <stdio.h>
#include <stdlib.h>
#ifdef __clang__
#define NOINLINE __attribute__((noinline))
#else
#define NOINLINE __attribute__((noinline, noclone))
#endif
int limit = 10;
NOINLINE int clamp(int x) { return x > limit ? limit : x; }
int main(int argc, char **argv) { (void)argv; printf("%d\n", clamp(argc)); return 0; }
