#include <stdio.h>
#ifdef __clang__
#define NOINLINE __attribute__((noinline))
#else
#define NOINLINE __attribute__((noinline, noclone))
#endif
static void *cb;
static NOINLINE int step(int x) { cb = (void *)step; return x * 2; }
NOINLINE int calc(int x) { if (cb) return ((int (*)(int))cb)(x) + 100; return step(x) + 1; }
int main(int argc, char **argv) { (void)argv; printf("%d\n", calc(argc)); return 0; }
