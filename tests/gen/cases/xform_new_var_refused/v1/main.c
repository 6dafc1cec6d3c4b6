#include <stdio.h>
#include <stdlib.h>
#ifdef __clang__
#define NOINLINE __attribute__((noinline))
#else
#define NOINLINE __attribute__((noinline, noclone))
#endif
NOINLINE int get(void) { return 1; }
int main(int argc, char **argv) { (void)argc; (void)argv; printf("%d\n", get()); return 0; }
