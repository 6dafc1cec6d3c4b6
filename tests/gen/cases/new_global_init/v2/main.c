#include <stdio.h>
#include <stdlib.h>
#ifdef __clang__
#define NOINLINE __attribute__((noinline))
#else
#define NOINLINE __attribute__((noinline, noclone))
#endif
int bonus = 42;
NOINLINE int compute(int x) { bonus++; return x + bonus; }
int main(int argc, char **argv) { (void)argv; printf("%d\n", compute(argc)); return 0; }
