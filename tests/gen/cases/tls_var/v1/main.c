#include <stdio.h>
#include <stdlib.h>
#ifdef __clang__
#define NOINLINE __attribute__((noinline))
#else
#define NOINLINE __attribute__((noinline, noclone))
#endif
__thread int tcount;
NOINLINE int bump(int x) { tcount += x; return tcount; }
int main(int argc, char **argv) { (void)argv; printf("%d\n", bump(argc)); return 0; }
