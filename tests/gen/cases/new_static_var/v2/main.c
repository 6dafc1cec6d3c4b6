#include <stdio.h>
#include <stdlib.h>
#ifdef __clang__
#define NOINLINE __attribute__((noinline))
#else
#define NOINLINE __attribute__((noinline, noclone))
#endif
static int hits;
NOINLINE int compute(int x) { hits++; return x + hits; }
int main(int argc, char **argv) { (void)argv; printf("%d\n", compute(argc)); return 0; }
