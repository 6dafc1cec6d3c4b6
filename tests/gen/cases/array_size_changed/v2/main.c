#include <stdio.h>
#include <stdlib.h>
#ifdef __clang__
#define NOINLINE __attribute__((noinline))
#else
#define NOINLINE __attribute__((noinline, noclone))
#endif
int table[8];
NOINLINE int put(int i, int v) { table[i & 7] = v; return table[0]; }
int main(int argc, char **argv) { (void)argv; printf("%d\n", put(argc, argc)); return 0; }
