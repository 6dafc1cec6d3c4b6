#include <stdio.h>
#include <stdlib.h>
#ifdef __clang__
#define NOINLINE __attribute__((noinline))
#else
#define NOINLINE __attribute__((noinline, noclone))
#endif
NOINLINE void f1(int x) { printf("%s %d\n", __func__, x); }
NOINLINE void f2(int x) { printf("%s %d\n", __func__, x + 1); }
int main(int argc, char **argv) { (void)argv; f1(argc); f2(argc); return 0; }
