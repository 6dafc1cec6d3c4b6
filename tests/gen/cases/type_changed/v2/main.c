#include <stdio.h>
#include <stdlib.h>
#ifdef __clang__
#define NOINLINE __attribute__((noinline))
#else
#define NOINLINE __attribute__((noinline, noclone))
#endif
long total;
NOINLINE void add(int x) { total += x; }
int main(int argc, char **argv) { (void)argv; add(argc); printf("%d\n", (int)total); return 0; }
