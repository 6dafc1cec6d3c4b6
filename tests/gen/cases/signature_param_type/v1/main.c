#include <stdio.h>
#include <stdlib.h>
#ifdef __clang__
#define NOINLINE __attribute__((noinline))
#else
#define NOINLINE __attribute__((noinline, noclone))
#endif
NOINLINE long scale(int x) { return (long)x * 3; }
int main(int argc, char **argv) { (void)argv; printf("%ld\n", scale(argc)); return 0; }
