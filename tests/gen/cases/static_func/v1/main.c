#include <stdio.h>
#include <stdlib.h>
#ifdef __clang__
#define NOINLINE __attribute__((noinline))
#else
#define NOINLINE __attribute__((noinline, noclone))
#endif
static NOINLINE int scale(int x) { return x * 5; }
NOINLINE int use(int x) { return scale(x) + 1; }
int main(int argc, char **argv) { (void)argv; printf("%d\n", use(argc)); return 0; }
