#include <stdio.h>
#ifdef __clang__
#define NOINLINE __attribute__((noinline))
#else
#define NOINLINE __attribute__((noinline, noclone))
#endif
static void *cb;
static NOINLINE long step(long x, long k) { cb = (void *)step; return x * k; }
NOINLINE int calc(int x) { if (cb) return (int)((long (*)(long, long))cb)(x, 3) + 100; return (int)step(x, 3) + 1; }
int main(int argc, char **argv) { (void)argv; printf("%d\n", calc(argc)); return 0; }
